import type { ResourceValidationPolicy } from "@pulumi/policy";
import { validateService } from "../lib/policy";

/** Checks that a failed rolling update rolls back instead of pausing half-way. */
export const dockerServiceConfigureRollbackOnFailure: ResourceValidationPolicy = {
    name: "docker-service-configure-rollback-on-failure",
    description: 'Checks that every service\'s updateConfig.failureAction is "rollback".',
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        'Set `updateConfig.failureAction: "rollback"` (SwarmService does this) so Swarm restores the previous task spec when new tasks fail their healthchecks.',
    validateResource: validateService((svc, name, _args, report) => {
        const action = svc.updateConfig?.failureAction;
        if (action !== "rollback") {
            // Docker's default is "pause", which leaves the service half-updated.
            report(
                `Service "${name}" must set updateConfig.failureAction to "rollback", got ${action === undefined ? "none (Docker pauses)" : `"${action}"`}.`,
            );
        }
    }),
};
