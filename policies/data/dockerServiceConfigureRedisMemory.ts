import type { ResourceValidationPolicy } from "@pulumi/policy";
import { REDIS_MAX_SHARE, redisMaxmemoryFits } from "../lib/rules/redisShare";
import { configWithDefaults } from "../lib/config";
import { validateService } from "../lib/policy";
import { commandLine, flagValue, isRedis } from "../lib/service";
import { formatBytes, redisBytes } from "../lib/sizes";

interface Config {
    maxShare: number;
    allowedPolicies: string[];
}

const configSchema = {
    properties: {
        maxShare: {
            type: "number" as const,
            default: REDIS_MAX_SHARE,
            exclusiveMinimum: 0,
            maximum: 1,
            description:
                "Largest share of the memory limit maxmemory may take (fork copy-on-write, AOF rewrite and client buffers need the rest).",
        },
        allowedPolicies: {
            type: "array" as const,
            items: { type: "string" as const },
            default: [
                "noeviction",
                "allkeys-lru",
                "allkeys-lfu",
                "allkeys-random",
                "volatile-lru",
                "volatile-lfu",
                "volatile-random",
                "volatile-ttl",
            ],
            description: "Eviction policies Redis may be given.",
        },
    },
};

const shareText = (share: number) => (Math.abs(share - 2 / 3) < 1e-12 ? "2/3" : `${Math.round(share * 1000) / 10}%`);

/** Checks that Redis keeps its dataset well inside the container's memory limit and evicts by a declared policy. */
export const dockerServiceConfigureRedisMemory: ResourceValidationPolicy = {
    name: "docker-service-configure-redis-memory",
    description:
        "Checks that every Redis service sets --maxmemory at or below 2/3 of its memory limit and sets an eviction policy (--maxmemory-policy).",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Pass `--maxmemory` (at most 2/3 of taskSpec.resources.limits.memoryBytes; components/redisTuning.ts picks 60%) and `--maxmemory-policy` (e.g. allkeys-lru for a cache) to redis-server.",
    configSchema,
    validateResource: validateService((svc, name, args, report) => {
        if (!isRedis(svc)) {
            return;
        }
        const { maxShare, allowedPolicies } = configWithDefaults<Config>(configSchema, args.getConfig());
        const limit = svc.taskSpec?.resources?.limits?.memoryBytes;
        const words = commandLine(svc);
        const raw = flagValue(words, "--maxmemory");
        if (typeof limit !== "number" || !(limit > 0)) {
            report(
                `Redis service "${name}" must have a memory limit (taskSpec.resources.limits.memoryBytes) for its maxmemory to be checked against.`,
            );
        } else if (raw === undefined) {
            report(
                `Redis service "${name}" must set --maxmemory to at most ${shareText(maxShare)} of its memory limit (${formatBytes(Math.floor(limit * maxShare))}).`,
            );
        } else {
            const bytes = redisBytes(raw);
            if (bytes === undefined || bytes === 0 || !redisMaxmemoryFits(bytes, limit, maxShare)) {
                report(
                    `Redis service "${name}" must keep maxmemory at or below ${shareText(maxShare)} of its memory limit (${formatBytes(Math.floor(limit * maxShare))} of ${formatBytes(limit)}), got "${raw}".`,
                );
            }
        }
        const policy = flagValue(words, "--maxmemory-policy");
        if (policy === undefined) {
            report(`Redis service "${name}" must set an eviction policy with --maxmemory-policy.`);
        } else if (!allowedPolicies.includes(policy)) {
            report(
                `Redis service "${name}" must use one of the eviction policies ${allowedPolicies.join(", ")}, got "${policy}".`,
            );
        }
    }),
};
