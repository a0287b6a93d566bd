import { githubActionsSecretRequireSecretValue as policy } from "../../../policies/github/githubActionsSecretRequireSecretValue";
import { markSecretPaths } from "../../../policies/lib/secrets";
import { actionsSecret, ACTIONS_SECRET, appService, SERVICE } from "../fixtures";
import { assertMetadata, assertNoViolations, assertViolations, resourceArgs } from "../util";

describe("github-actions-secret-require-secret-value", () => {
    it("has the pack's metadata", () =>
        assertMetadata(policy, "github-actions-secret-require-secret-value", "mandatory"));

    it("passes a secret set with value (engine: secretness unknown) and one stored as a secret in a document", async () => {
        await assertNoViolations(policy, resourceArgs(policy, ACTIONS_SECRET, actionsSecret()));
        const props = actionsSecret();
        markSecretPaths(props, ["value"]);
        await assertNoViolations(policy, resourceArgs(policy, ACTIONS_SECRET, props));
    });

    it("applies to environment and organization secrets too", async () => {
        for (const type of [
            "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret",
            "github:index/actionsOrganizationSecret:ActionsOrganizationSecret",
        ]) {
            await assertViolations(
                policy,
                resourceArgs(policy, type, { secretName: "X" }),
                'GitHub Actions secret "X" must be set from a secret `value` or `valueEncrypted`.',
            );
        }
        await assertNoViolations(policy, resourceArgs(policy, SERVICE, appService()));
    });

    it("fails the deprecated plaintextValue", async () => {
        await assertViolations(
            policy,
            resourceArgs(policy, ACTIONS_SECRET, { secretName: "DEPLOY_TOKEN", plaintextValue: "x" }),
            'GitHub Actions secret "DEPLOY_TOKEN" must be set with `value` or `valueEncrypted`, not the deprecated plaintextValue/encryptedValue.',
        );
    });

    it("fails a value stored in plaintext in an exported document", async () => {
        const props = actionsSecret();
        markSecretPaths(props, []);
        await assertViolations(
            policy,
            resourceArgs(policy, ACTIONS_SECRET, props),
            'GitHub Actions secret "DEPLOY_TOKEN" must be set from a secret value: its `value` is stored in plaintext in the state.',
        );
    });
});
