import type { ResourceValidationPolicy } from "@pulumi/policy";
import { isHonouredSpreadDescriptor } from "../lib/rules/spread";
import { validateService } from "../lib/policy";

/** Checks that spread preferences are descriptors Swarm acts on (the provider passes them through verbatim). */
export const dockerServiceDisallowIgnoredSpreadPrefs: ResourceValidationPolicy = {
    name: "docker-service-disallow-ignored-spread-prefs",
    description:
        "Checks that every placement preference of a service is a spread descriptor Swarm honours (`node.labels.<name>` or `engine.labels.<name>`, without the CLI's `spread=` prefix).",
    enforcementLevel: "mandatory",
    severity: "medium",
    remediationSteps:
        "Write the preference as the bare descriptor, e.g. `node.labels.zone` (SwarmService `spreadOver`); the provider sends it to Swarm verbatim, and `spread=node.labels.zone` spreads nothing.",
    validateResource: validateService((svc, name, _args, report) => {
        for (const pref of svc.taskSpec?.placement?.prefs ?? []) {
            if (!isHonouredSpreadDescriptor(pref)) {
                report(
                    `Service "${name}" has placement preference ${JSON.stringify(pref)}, which Swarm ignores: write it as a descriptor starting with node.labels. or engine.labels. (no "spread=" prefix).`,
                );
            }
        }
    }),
};
