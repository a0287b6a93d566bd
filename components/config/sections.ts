/** The schema of each section of the stack config (`sophia-infra:<section>`), before cross-section checks. */
import { z } from "zod";
import { MAX_MTU, MIN_MTU, mtuAllowed } from "../../policies/lib/rules/mtu";
import { parseSyncConfig, SyncConfig, SyncConfigError } from "../../runtime/sync-monitor/src/syncConfig";
import { CHAT_CACHE_DEFAULT_PORT } from "../../runtime/chat-cache/src/contract";
import { SYNC_MONITOR_DEFAULT_PORT } from "../../runtime/sync-monitor/src/contract";
import { DEFAULT_MONITORING_IMAGES, MonitoringImages } from "../monitoring/images";
import { SERVICE_NAMES } from "../serviceNames";
import { DEFAULT_CONVERGE } from "../swarmService";
import { duration, flag, httpUrl, imageRef, memorySize, plainEnv, port, stringList, text, wholeNumber } from "./fields";
import { fix } from "./issues";
import { checkGpuPlacement, checkTierResources, placedFields, runtimeFields } from "./placement";

/** Images the platform runs when a stack does not pin its own. */
export const DEFAULT_IMAGES = {
    redis: "redis:7.2.5-bookworm",
    postgres: "postgres:15.10-bookworm",
    runtimeBase: "node:20.18.1-bookworm-slim",
} as const;

/** Names of list entries must be unique; `what` says why in the fix. */
function uniqueNames(why: string) {
    return (list: { name: string }[], ctx: z.RefinementCtx) => {
        const seen = new Set<string>();
        list.forEach((entry, i) => {
            if (seen.has(entry.name)) {
                ctx.addIssue({
                    code: "custom",
                    path: [i, "name"],
                    input: undefined,
                    message: `repeats "${entry.name}". ${why}`,
                });
            }
            seen.add(entry.name);
        });
    };
}

/** `sophia-infra:networks`. */
export const networksSection = z
    .array(
        z.strictObject({
            name: text("Give the network a name."),
            mtu: z
                .preprocess(
                    (v) => (typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v),
                    z
                        .number({ error: fix(`Set a whole number from ${MIN_MTU} to ${MAX_MTU}.`) })
                        .refine((v) => mtuAllowed(v), {
                            error: (iss) =>
                                `must be an integer between ${MIN_MTU} and ${MAX_MTU} (the underlay MTU; 1500 for ordinary networks, 9000 only where every hop carries jumbo frames), got ${String(iss.input)}. Set the underlay's MTU.`,
                        }),
                )
                .default(1500),
            encrypted: flag().default(true),
            internal: flag().default(false),
        }),
        { error: fix("Set a non-empty list of {name, mtu, encrypted?, internal?}.") },
    )
    .min(1, { error: "is empty. Set a non-empty list of {name, mtu, encrypted?, internal?}." })
    .superRefine(uniqueNames("Give every network a distinct name."));

/** `sophia-infra:converge`: `{delay, timeout}` or `false`. */
export const convergeSection = z.preprocess(
    (v) => (v === false || v === "false" ? null : v),
    z
        .strictObject(
            { delay: duration().default("7s"), timeout: duration().default("3m") },
            {
                error: (iss) =>
                    iss.code === "invalid_type"
                        ? fix("Use {delay, timeout} (e.g. {delay: 7s, timeout: 3m}) or false.")(iss)
                        : undefined,
            },
        )
        .nullable()
        .transform((v) => (v === null ? (false as const) : v)),
);
export { DEFAULT_CONVERGE };

/** One entry of `sophia-infra:services`. */
export const appServiceEntry = z
    .strictObject(
        {
            name: text("Set the service's name (its DNS name on the overlay)."),
            ...placedFields({}),
            replicas: wholeNumber(1).default(1),
            port: port(),
            spreadOver: stringList().default([]),
            env: plainEnv().default({}),
            gpus: wholeNumber(0, 64).default(0),
            healthPath: text("Set the HTTP path of the health endpoint, e.g. /health.").default("/health"),
            metricsPath: text(
                "Set the HTTP path of the metrics endpoint, e.g. /metrics, or remove the key.",
            ).optional(),
        },
        {
            error: (iss) =>
                iss.code === "invalid_type" ? fix("Use {name, image, tier, replicas, port, ...}.")(iss) : undefined,
        },
    )
    .superRefine(checkTierResources)
    .superRefine(checkGpuPlacement);

/** `sophia-infra:services`. */
export const servicesSection = z
    .array(appServiceEntry, { error: fix("Set it to a list of service entries.") })
    .superRefine(uniqueNames("Service names are DNS names on the overlay; make them unique."))
    .superRefine((list, ctx) => {
        const platform: readonly string[] = Object.values(SERVICE_NAMES);
        list.forEach((s, i) => {
            if (platform.includes(s.name)) {
                ctx.addIssue({
                    code: "custom",
                    path: [i, "name"],
                    input: undefined,
                    message: `is "${s.name}", the name of a platform service. Service names are DNS names on the overlay; pick another.`,
                });
            }
        });
    });

/** The Redis eviction policies a cache may use. */
export const EVICTION_POLICIES = [
    "allkeys-lru",
    "allkeys-lfu",
    "volatile-lru",
    "volatile-lfu",
    "allkeys-random",
    "volatile-random",
    "volatile-ttl",
] as const;

/** `sophia-infra:redis`. */
export const redisSection = z
    .strictObject({
        ...placedFields({ image: DEFAULT_IMAGES.redis, tier: "medium" }),
        maxmemory: memorySize('"4gb" or "512mb"').optional(),
        evictionPolicy: z.enum(EVICTION_POLICIES).default("allkeys-lru"),
    })
    .superRefine(checkTierResources);

/** `sophia-infra:postgres`. */
export const postgresSection = z
    .strictObject({
        ...placedFields({ image: DEFAULT_IMAGES.postgres, tier: "high" }),
        user: text().default("sophia"),
        database: text().default("sophia_ai"),
        maxConnections: wholeNumber(10, 5000).default(200),
        storage: z.enum(["ssd", "hdd", "san"]).default("ssd"),
    })
    .superRefine(checkTierResources);

/** `sophia-infra:monitoring`. */
export const monitoringSection = z.strictObject({
    enabled: flag().default(true),
    grafana: flag().default(true),
    cadvisor: flag().default(true),
    // The cross-node overlay prober (runtime/overlay-probe) on every network.
    overlayProbe: flag().default(true),
    images: z
        .strictObject(
            Object.fromEntries(Object.keys(DEFAULT_MONITORING_IMAGES).map((n) => [n, imageRef().optional()])) as Record<
                keyof MonitoringImages,
                z.ZodOptional<ReturnType<typeof imageRef>>
            >,
        )
        .default({}),
    publish: z
        .strictObject({ prometheus: port().optional(), alertmanager: port().optional(), grafana: port().optional() })
        .default({}),
    retentionTime: text('Set a Prometheus retention time such as "30d".').optional(),
    retentionSize: text('Set a Prometheus retention size such as "10GB".').optional(),
    constraints: stringList().optional(),
    slack: z
        .strictObject({ channel: text("Set the Slack channel, e.g. #sophia-ai-alerts.").default("#sophia-ai-alerts") })
        .optional(),
    email: z
        .strictObject({
            to: text("Set the recipients."),
            from: text("Set the sender address."),
            smarthost: text("Set host:port of the SMTP server."),
            username: text("Set the SMTP user name, or remove the key.").optional(),
            requireTls: flag().default(true),
        })
        .optional(),
});

/** `sophia-infra:runtime`. */
export const runtimeSection = z.strictObject({
    baseImage: imageRef().default(DEFAULT_IMAGES.runtimeBase),
    registry: z
        .strictObject({
            server: text("Set the registry host, e.g. ghcr.io."),
            repository: text("Set the repository path, e.g. sophia-ai."),
            username: text("Set the registry user name, or remove the key.").optional(),
        })
        .optional(),
    chatCache: z
        .strictObject({
            enabled: flag().default(true),
            ...runtimeFields({ tier: "medium", replicas: 2, port: CHAT_CACHE_DEFAULT_PORT }),
            env: plainEnv().default({}),
            // The platform's LLM gateway on the overlay; any OpenAI-compatible base URL works.
            upstreamBaseUrl: httpUrl("http://llm-gateway:8000/v1").default("http://llm-gateway:8000/v1"),
            rules: text("Set the TTL rules (YAML or JSON text), or remove the key.").optional(),
        })
        .superRefine(checkTierResources)
        .prefault({}),
    syncMonitor: z
        .strictObject({
            ...runtimeFields({ tier: "low", replicas: 1, port: SYNC_MONITOR_DEFAULT_PORT }),
            env: plainEnv().default({}),
            githubApiUrl: httpUrl("https://api.github.com").default("https://api.github.com"),
            pulumiBackendUrl: httpUrl("https://api.pulumi.com").default("https://api.pulumi.com"),
        })
        .superRefine(checkTierResources)
        .superRefine((s, ctx) => {
            if (s.replicas !== 1) {
                ctx.addIssue({
                    code: "custom",
                    path: ["replicas"],
                    input: undefined,
                    message: `is ${s.replicas}. The sync-monitor runs one replica: its writes to GitHub must be serial.`,
                });
            }
        })
        .prefault({}),
});

/** The sync mapping, validated by the sync-monitor's own parser (the same one the service runs at start). */
const syncMapping = z.unknown().transform((raw, ctx): SyncConfig => {
    try {
        return parseSyncConfig(raw);
    } catch (e) {
        if (!(e instanceof SyncConfigError)) {
            throw e;
        }
        ctx.issues.push({
            code: "custom",
            input: undefined,
            message: `is not a valid sync mapping (${e.message.replace(/^SYNC_CONFIG: /, "")}). See runtime/sync-monitor/README.md for the schema.`,
        });
        return z.NEVER;
    }
});

/** `sophia-infra:github`. */
export const githubSection = z.strictObject({
    sync: syncMapping.optional(),
    manageSecrets: flag().default(true),
    baseUrl: httpUrl("https://github.example.com/api/v3").optional(),
});
