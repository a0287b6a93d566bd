import type { ResourceValidationPolicy } from "@pulumi/policy";
import { configWithDefaults } from "../lib/config";
import { validateService } from "../lib/policy";
import { commandLine, isPostgres, postgresSettings } from "../lib/service";
import { formatBytes, PG_BASE_UNITS, pgBytes } from "../lib/sizes";

interface Config {
    maxSharedBuffersShare: number;
    maxEffectiveCacheShare: number;
}

const configSchema = {
    properties: {
        maxSharedBuffersShare: {
            type: "number" as const,
            default: 0.4,
            exclusiveMinimum: 0,
            maximum: 1,
            description: "Largest share of the memory limit shared_buffers may take (pgtune uses 25%).",
        },
        maxEffectiveCacheShare: {
            type: "number" as const,
            default: 1,
            exclusiveMinimum: 0,
            maximum: 1,
            description:
                "Largest share of the memory limit effective_cache_size may claim (the page cache is charged to the container).",
        },
    },
};

/** Checks that Postgres has room for dynamic shared memory and tuning that fits its container. */
export const dockerServiceConfigurePostgresMemory: ResourceValidationPolicy = {
    name: "docker-service-configure-postgres-memory",
    description:
        "Checks that every Postgres service mounts a tmpfs at /dev/shm and that its memory settings fit its memory limit (shared_buffers at most 40%, effective_cache_size at most the limit).",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Derive the `postgres -c` settings from the service's memory limit with pgTune (components/pgtune.ts) and mount a tmpfs at /dev/shm sized with pgShmBytes.",
    configSchema,
    validateResource: validateService((svc, name, args, report) => {
        if (!isPostgres(svc)) {
            return;
        }
        const cfg = configWithDefaults<Config>(configSchema, args.getConfig());
        const mounts = svc.taskSpec?.containerSpec?.mounts ?? [];
        if (!mounts.some((m) => m?.type === "tmpfs" && m?.target === "/dev/shm")) {
            report(
                `Postgres service "${name}" must mount a tmpfs at /dev/shm (Docker's 64MB default breaks parallel queries).`,
            );
        }
        const limit = svc.taskSpec?.resources?.limits?.memoryBytes;
        if (typeof limit !== "number" || !(limit > 0)) {
            report(
                `Postgres service "${name}" must have a memory limit (taskSpec.resources.limits.memoryBytes) for its tuning to be checked against.`,
            );
            return;
        }
        const settings = postgresSettings(commandLine(svc));
        const checks: [string, number, string][] = [
            [
                "shared_buffers",
                cfg.maxSharedBuffersShare,
                `${Math.round(cfg.maxSharedBuffersShare * 100)}% of its memory limit`,
            ],
            [
                "effective_cache_size",
                cfg.maxEffectiveCacheShare,
                cfg.maxEffectiveCacheShare === 1
                    ? "its memory limit"
                    : `${Math.round(cfg.maxEffectiveCacheShare * 100)}% of its memory limit`,
            ],
        ];
        for (const [setting, share, what] of checks) {
            const raw = settings[setting];
            if (raw === undefined) {
                continue;
            }
            const bytes = pgBytes(raw, PG_BASE_UNITS[setting]);
            const max = Math.floor(limit * share);
            if (bytes === undefined || bytes > max) {
                report(
                    `Postgres service "${name}" must keep ${setting} at or below ${what} (${formatBytes(max)} of ${formatBytes(limit)}), got "${raw}".`,
                );
            }
        }
    }),
};
