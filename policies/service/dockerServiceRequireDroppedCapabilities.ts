import type { ResourceValidationPolicy } from "@pulumi/policy";
import { configWithDefaults } from "../lib/config";
import { canonicalCapability, imageRepository } from "../lib/hardening";
import { validateService } from "../lib/policy";

interface Config {
    allowedCapabilities: Record<string, string[]>;
}

const configSchema = {
    properties: {
        allowedCapabilities: {
            type: "object" as const,
            additionalProperties: { type: "array" as const, items: { type: "string" as const } },
            default: {} as Record<string, string[]>,
            description:
                'Capabilities a service may add back, by image repository (no tag): {"gcr.io/cadvisor/cadvisor": ["CAP_SYS_PTRACE"]}.',
        },
    },
};

/**
 * Checks CIS Docker Benchmark 5.4: a container drops every capability (Docker's default set has 14, NET_RAW and
 * SETUID among them) and adds back only those its image is granted in the pack's config.
 */
export const dockerServiceRequireDroppedCapabilities: ResourceValidationPolicy = {
    name: "docker-service-require-dropped-capabilities",
    description:
        "Checks that every service drops all Linux capabilities and adds back only those allowedCapabilities grants its image (CIS Docker Benchmark 5.4).",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        'Build the service with SwarmService (capDrops: ["ALL"]) and name each capability it needs in `capabilities` with its reason; grant the image those capabilities in this policy\'s allowedCapabilities.',
    configSchema,
    validateResource: validateService((svc, name, args, report) => {
        const { allowedCapabilities } = configWithDefaults<Config>(configSchema, args.getConfig());
        const cs = svc.taskSpec?.containerSpec;
        const drops = (Array.isArray(cs?.capDrops) ? cs!.capDrops : []).map(canonicalCapability);
        if (!drops.includes("ALL")) {
            report(
                `Service "${name}" must drop every capability (taskSpec.containerSpec.capDrops: ["ALL"]) and add back only those it needs.`,
            );
        }
        const image = imageRepository(cs?.image);
        const granted = (allowedCapabilities[image] ?? []).map(canonicalCapability);
        for (const cap of (Array.isArray(cs?.capAdds) ? cs!.capAdds : []).map(canonicalCapability)) {
            if (!granted.includes(cap)) {
                report(
                    `Service "${name}" adds capability ${cap}, which allowedCapabilities does not grant to image "${image}".`,
                );
            }
        }
    }),
};
