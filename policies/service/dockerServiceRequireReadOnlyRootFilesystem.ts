import type { ResourceValidationPolicy } from "@pulumi/policy";
import { configWithDefaults } from "../lib/config";
import { validateService } from "../lib/policy";

interface Config {
    allowedWritableRootFilesystem: string[];
}

const configSchema = {
    properties: {
        allowedWritableRootFilesystem: {
            type: "array" as const,
            items: { type: "string" as const },
            default: [] as string[],
            description: "Docker service names that may keep a writable root filesystem (the component states why).",
        },
    },
};

/**
 * Checks CIS Docker Benchmark 5.13: a container's root filesystem is read-only, and what it writes goes to a volume or
 * a tmpfs with a size limit (an unbounded tmpfs can take all of a node's memory).
 */
export const dockerServiceRequireReadOnlyRootFilesystem: ResourceValidationPolicy = {
    name: "docker-service-require-read-only-root-filesystem",
    description:
        "Checks that every service runs with a read-only root filesystem and that each tmpfs it mounts has a size limit (CIS Docker Benchmark 5.13).",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Leave SwarmService's `writableRootFilesystemReason` unset (readOnly: true) and give each path the process writes a volume or a tmpfs mount with `sizeBytes`; only if the image cannot run that way, state why in `writableRootFilesystemReason` and list the service in this policy's allowedWritableRootFilesystem.",
    configSchema,
    validateResource: validateService((svc, name, args, report) => {
        const { allowedWritableRootFilesystem } = configWithDefaults<Config>(configSchema, args.getConfig());
        const cs = svc.taskSpec?.containerSpec;
        if (cs?.readOnly !== true && !allowedWritableRootFilesystem.includes(name)) {
            report(
                `Service "${name}" must run with a read-only root filesystem (taskSpec.containerSpec.readOnly: true); give the paths it writes a volume or a size-limited tmpfs.`,
            );
        }
        for (const m of Array.isArray(cs?.mounts) ? cs!.mounts : []) {
            const size = m?.tmpfsOptions?.sizeBytes;
            if (m?.type === "tmpfs" && !(typeof size === "number" && size > 0)) {
                report(
                    `Service "${name}" must limit the size of its tmpfs at ${m.target ?? "(no target)"} (tmpfsOptions.sizeBytes).`,
                );
            }
        }
    }),
};
