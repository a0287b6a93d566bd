/** chat-cache settings from the environment, validated by one zod schema; errors name the variable and the fix. */
import * as fs from "node:fs";
import { z } from "zod";
import { CHAT_CACHE_DEFAULT_PORT, CHAT_CACHE_ENV as ENV } from "./contract";
import { ConfigError } from "./errors";
import { defaultRules, loadRulesFile, type CacheRules } from "./rules";

const int = (def: number, min: number, max: number) => {
    const range = `between ${min} and ${max} (default ${def})`;
    return z
        .string()
        .regex(/^\d+$/, { error: `must be a whole number ${range}` })
        .transform(Number)
        .pipe(
            z
                .number()
                .min(min, { error: `must be ${range}` })
                .max(max, { error: `must be ${range}` }),
        )
        .default(def);
};

const bool = (def: boolean) =>
    z
        .string()
        .transform((v) => v.toLowerCase())
        .pipe(
            z.enum(["1", "true", "yes", "on", "0", "false", "no", "off"], {
                error: `must be true or false (default ${def})`,
            }),
        )
        .transform((v) => ["1", "true", "yes", "on"].includes(v))
        .default(def);

const url = (protocols: string[], example: string) =>
    z
        .string({ error: `is required, e.g. ${example}` })
        .refine((v) => URL.canParse(v), { error: `is not a valid URL; set it like ${example}` })
        .refine((v) => protocols.includes(new URL(v).protocol), {
            error: `must use ${protocols.join(" or ")}, e.g. ${example}`,
        });

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** Every variable chat-cache reads, keyed by its name; empty values count as unset (the default applies). */
const envSchema = z.object({
    [ENV.upstreamBaseUrl]: url(["http:", "https:"], `${ENV.upstreamBaseUrl}=http://llm:8000/v1`).transform((v) =>
        v.replace(/\/+$/, ""),
    ),
    [ENV.redisUrl]: url(["redis:", "rediss:"], `${ENV.redisUrl}=redis://redis:6379/0`),
    [ENV.port]: int(CHAT_CACHE_DEFAULT_PORT, 0, 65535),
    HOST: z.string().default("0.0.0.0"),
    UPSTREAM_API_KEY: z.string().optional(),
    [ENV.upstreamApiKeyFile]: z.string().optional(),
    REDIS_PASSWORD: z.string().optional(),
    [ENV.redisPasswordFile]: z.string().optional(),
    [ENV.rulesFile]: z.string().optional(),
    CACHE_DEFAULT_TTL_SECONDS: int(300, 1, 86400),
    CACHE_STALE_SECONDS: int(120, 0, 86400),
    UPSTREAM_TIMEOUT_MS: int(30000, 1, 600000),
    UPSTREAM_MAX_CONCURRENCY: int(50, 1, 10000),
    UPSTREAM_MAX_QUEUE: int(500, 0, 100000),
    MAX_BODY_BYTES: int(1048576, 1024, 64 * 1048576),
    HEADERS_TIMEOUT_MS: int(10000, 100, 600000),
    BODY_TIMEOUT_MS: int(30000, 100, 600000),
    CACHE_MAX_ENTRY_BYTES: int(2 * 1048576, 1024, 64 * 1048576),
    LRU_MAX_ENTRIES: int(5000, 0, 10000000),
    LRU_MAX_BYTES: int(64 * 1048576, 0, 16 * 1024 * 1048576),
    CACHE_KEY_PREFIX: z.string().default("chatcache"),
    CACHE_NONDETERMINISTIC: bool(false),
    CACHE_ALLOW_MULTIPLE_CHOICES: bool(false),
    REDIS_COMMAND_TIMEOUT_MS: int(100, 1, 60000),
    REDIS_BREAKER_THRESHOLD: int(5, 1, 1000),
    REDIS_BREAKER_COOLDOWN_MS: int(2000, 1, 600000),
    COALESCE_LEASE_MS: int(3000, 200, 60000),
    SHUTDOWN_GRACE_MS: int(10000, 0, 600000),
    LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` }).default("info"),
});

type Env = z.output<typeof envSchema>;

/** Validated settings of one chat-cache process. Built only by `loadConfig`. */
export interface Config {
    port: number;
    host: string;
    upstreamBaseUrl: string;
    /** When set, replaces the client's `Authorization` towards the upstream. */
    upstreamApiKey?: string;
    redisUrl: string;
    /** Redis password from REDIS_PASSWORD_FILE (a Docker secret) or REDIS_PASSWORD; overrides one in REDIS_URL. */
    redisPassword?: string;
    defaultTtlSeconds: number;
    /** Extra seconds an expired entry is kept to answer when the upstream fails (`x-cache-status: STALE`). */
    staleSeconds: number;
    upstreamTimeoutMs: number;
    upstreamMaxConcurrency: number;
    upstreamMaxQueue: number;
    maxBodyBytes: number;
    /** Time a client has to send the request head (slow-header clients get 408). */
    headersTimeoutMs: number;
    /** Time a client has to send the whole body after the head (slow-body clients get 408). */
    bodyTimeoutMs: number;
    maxEntryBytes: number;
    lruMaxEntries: number;
    lruMaxBytes: number;
    keyPrefix: string;
    /** Cache requests with temperature > 0 and no seed without an explicit opt-in. */
    cacheNondeterministic: boolean;
    /** Cache `n > 1` requests. */
    cacheMultipleChoices: boolean;
    redisCommandTimeoutMs: number;
    redisBreakerThreshold: number;
    redisBreakerCooldownMs: number;
    /** Lease a replica holds on a cold key while it calls the upstream for every replica (renewed while it runs). */
    coalesceLeaseMs: number;
    shutdownGraceMs: number;
    logLevel: (typeof LOG_LEVELS)[number];
    rules: CacheRules;
}

/**
 * Reads `<NAME>_FILE` (how Docker secrets arrive) when set, else `<NAME>`. A file that cannot be read or is empty is an
 * error naming the variable: an empty secret file is a deployment mistake, not "no secret" (unset the variable for that).
 */
function secret(fileVar: string, file: string | undefined, direct: string | undefined): string | undefined {
    if (file !== undefined) {
        let text: string;
        try {
            text = fs.readFileSync(file, "utf8");
        } catch (e) {
            throw new ConfigError(
                `${fileVar} points at ${file}, which cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"}). Mount the secret there or unset ${fileVar}.`,
            );
        }
        const value = text.replace(/\r?\n$/, "");
        if (!value)
            throw new ConfigError(
                `${fileVar} points at ${file}, which is empty. Put the secret in it or unset ${fileVar}.`,
            );
        return value;
    }
    return direct || undefined;
}

/**
 * Reads and validates the environment once at start. Throws `ConfigError` naming the first bad variable and the fix;
 * never echoes a value. Empty (or blank) variables count as unset, `*_FILE` ones included.
 * @param env usually `process.env`
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
    const present: Record<string, string> = {};
    for (const [k, v] of Object.entries(env)) {
        // Secrets keep their exact bytes; everything else is trimmed.
        const value = k === "REDIS_PASSWORD" ? v : v?.trim();
        if (value) present[k] = value;
    }
    const parsed = envSchema.safeParse(present, { reportInput: false });
    if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new ConfigError(`${String(issue.path[0])} ${issue.message}.`);
    }
    const v: Env = parsed.data;
    const defaultTtlSeconds = v.CACHE_DEFAULT_TTL_SECONDS;
    const rulesFile = v[ENV.rulesFile];
    return {
        port: v[ENV.port],
        host: v.HOST,
        upstreamBaseUrl: v[ENV.upstreamBaseUrl],
        upstreamApiKey: secret(ENV.upstreamApiKeyFile, v[ENV.upstreamApiKeyFile], v.UPSTREAM_API_KEY),
        redisUrl: v[ENV.redisUrl],
        redisPassword: secret(ENV.redisPasswordFile, v[ENV.redisPasswordFile], v.REDIS_PASSWORD),
        defaultTtlSeconds,
        staleSeconds: v.CACHE_STALE_SECONDS,
        upstreamTimeoutMs: v.UPSTREAM_TIMEOUT_MS,
        upstreamMaxConcurrency: v.UPSTREAM_MAX_CONCURRENCY,
        upstreamMaxQueue: v.UPSTREAM_MAX_QUEUE,
        maxBodyBytes: v.MAX_BODY_BYTES,
        headersTimeoutMs: v.HEADERS_TIMEOUT_MS,
        bodyTimeoutMs: v.BODY_TIMEOUT_MS,
        maxEntryBytes: v.CACHE_MAX_ENTRY_BYTES,
        lruMaxEntries: v.LRU_MAX_ENTRIES,
        lruMaxBytes: v.LRU_MAX_BYTES,
        keyPrefix: v.CACHE_KEY_PREFIX,
        cacheNondeterministic: v.CACHE_NONDETERMINISTIC,
        cacheMultipleChoices: v.CACHE_ALLOW_MULTIPLE_CHOICES,
        redisCommandTimeoutMs: v.REDIS_COMMAND_TIMEOUT_MS,
        redisBreakerThreshold: v.REDIS_BREAKER_THRESHOLD,
        redisBreakerCooldownMs: v.REDIS_BREAKER_COOLDOWN_MS,
        coalesceLeaseMs: v.COALESCE_LEASE_MS,
        shutdownGraceMs: v.SHUTDOWN_GRACE_MS,
        logLevel: v.LOG_LEVEL,
        rules: rulesFile ? loadRulesFile(rulesFile, defaultTtlSeconds) : defaultRules(defaultTtlSeconds),
    };
}
