import { githubActionsSecretRequireDeleteBeforeReplace as policy } from "../../../policies/github/githubActionsSecretRequireDeleteBeforeReplace";
import { actionsSecret, ACTIONS_SECRET } from "../fixtures";
import { assertMetadata, assertNoViolations, assertViolations, resourceArgs } from "../util";

describe("github-actions-secret-require-delete-before-replace", () => {
    it("has the pack's metadata", () =>
        assertMetadata(policy, "github-actions-secret-require-delete-before-replace", "mandatory"));

    it("passes a secret with deleteBeforeReplace", async () => {
        await assertNoViolations(
            policy,
            resourceArgs(policy, ACTIONS_SECRET, actionsSecret(), { deleteBeforeReplace: true }),
        );
    });

    it("fails a secret without deleteBeforeReplace", async () => {
        await assertViolations(
            policy,
            resourceArgs(policy, ACTIONS_SECRET, actionsSecret()),
            'GitHub Actions secret "DEPLOY_TOKEN" must set deleteBeforeReplace: true, or replacing it deletes the new value.',
        );
    });
});
