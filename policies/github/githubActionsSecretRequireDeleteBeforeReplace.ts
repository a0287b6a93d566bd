import type { ResourceValidationPolicy } from "@pulumi/policy";
import { validateTypes } from "../lib/policy";
import { ACTIONS_SECRET_TYPES } from "../lib/types";

/**
 * Checks that GitHub Actions secrets are replaced delete-first: with the default create-before-destroy, replacing a
 * secret upserts the new value and then the old resource's delete removes it (pulumi/pulumi-github#111, #223, #250).
 */
export const githubActionsSecretRequireDeleteBeforeReplace: ResourceValidationPolicy = {
    name: "github-actions-secret-require-delete-before-replace",
    description: "Checks that every GitHub Actions secret resource sets the deleteBeforeReplace resource option.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: "Create the secret with `{ deleteBeforeReplace: true }` in its resource options.",
    validateResource: validateTypes<{ secretName?: string }>(ACTIONS_SECRET_TYPES, (props, args, report) => {
        if (args.opts?.deleteBeforeReplace !== true) {
            report(
                `GitHub Actions secret "${props.secretName ?? args.name}" must set deleteBeforeReplace: true, or replacing it deletes the new value.`,
            );
        }
    }),
};
