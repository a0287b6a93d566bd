import type { ResourceValidationPolicy } from "@pulumi/policy";
import { validateTypes } from "../lib/policy";
import { knownSecretPaths } from "../lib/secrets";
import { ACTIONS_SECRET_TYPES } from "../lib/types";

interface ActionsSecretProps {
    secretName?: string;
    value?: unknown;
    valueEncrypted?: unknown;
    plaintextValue?: unknown;
    encryptedValue?: unknown;
}

const isSet = (v: unknown) => v !== undefined && v !== null && v !== "";

/**
 * Checks that GitHub Actions secrets are written from secret values. Under the engine, props arrive with secrets
 * unwrapped, so "stored as a secret" can only be checked on exported state or the offline plan, where the
 * offline checker records which values were secrets.
 */
export const githubActionsSecretRequireSecretValue: ResourceValidationPolicy = {
    name: "github-actions-secret-require-secret-value",
    description:
        "Checks that GitHub Actions secrets (repository, environment, organization) are set through `value` or `valueEncrypted` from a secret, never the deprecated plaintextValue/encryptedValue or a plaintext value in state.",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps:
        "Read the value with `config.requireSecret(...)` (or wrap it in `pulumi.secret(...)`) and pass it as `value` (@pulumi/github >= 6.13).",
    validateResource: validateTypes<ActionsSecretProps>(ACTIONS_SECRET_TYPES, (props, args, report) => {
        const name = props.secretName ?? args.name;
        if (isSet(props.plaintextValue) || isSet(props.encryptedValue)) {
            report(
                `GitHub Actions secret "${name}" must be set with \`value\` or \`valueEncrypted\`, not the deprecated plaintextValue/encryptedValue.`,
            );
            return;
        }
        const field = isSet(props.value) ? "value" : isSet(props.valueEncrypted) ? "valueEncrypted" : undefined;
        if (field === undefined) {
            report(`GitHub Actions secret "${name}" must be set from a secret \`value\` or \`valueEncrypted\`.`);
            return;
        }
        const secrets = knownSecretPaths(args.props);
        if (secrets !== undefined && !secrets.has(field)) {
            report(
                `GitHub Actions secret "${name}" must be set from a secret value: its \`${field}\` is stored in plaintext in the state.`,
            );
        }
    }),
};
