import * as fs from "fs";
import { ConfigError } from "./errors";
import { loadRulesFile, defaultRules, CacheRules } from "./rules";

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
    shutdownGraceMs: number;
    logLevel: string;
    rules: CacheRules;
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, def: number, min: number, max: number): number {
    const raw = env[name];
    if (raw === undefined || raw.trim() === "") return def;
    if (!/^\d+$/.test(raw.trim())) {
        throw new ConfigError(
            `${name} must be a whole number between ${min} and ${max}, got "${raw}". Fix or unset ${name} (default ${def}).`,
        );
    }
    const n = Number(raw.trim());
    if (n < min || n > max) {
        throw new ConfigError(
            `${name} must be between ${min} and ${max}, got ${n}. Fix or unset ${name} (default ${def}).`,
        );
    }
    return n;
}

function bool(env: Env, name: string, def: boolean): boolean {
    const raw = env[name];
    if (raw === undefined || raw.trim() === "") return def;
    const v = raw.trim().toLowerCase();
    if (["1", "true", "yes", "on"].includes(v)) return true;
    if (["0", "false", "no", "off"].includes(v)) return false;
    throw new ConfigError(`${name} must be true or false, got "${raw}".`);
}

function url(env: Env, name: string, protocols: string[], example: string): string {
    const raw = env[name]?.trim();
    if (!raw) throw new ConfigError(`${name} is required, e.g. ${name}=${example}.`);
    let parsed: URL;
    try {
        parsed = new URL(raw);
    } catch {
        throw new ConfigError(`${name} is not a valid URL: set it like ${name}=${example}.`);
    }
    if (!protocols.includes(parsed.protocol)) {
        throw new ConfigError(`${name} must use ${protocols.join(" or ")}, e.g. ${name}=${example}.`);
    }
    return raw;
}

/**
 * Reads `<NAME>_FILE` (how Docker secrets arrive) when set; a missing or empty file is a config error naming it.
 * Returns undefined when the variable is not set.
 */
function secretFromFile(env: Env, name: string): string | undefined {
    const file = env[`${name}_FILE`]?.trim();
    if (!file) return undefined;
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw new ConfigError(
            `${name}_FILE points at ${file}, which cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"}). Mount the secret there or unset ${name}_FILE.`,
        );
    }
    const value = text.replace(/\r?\n$/, "");
    if (!value) throw new ConfigError(`${name}_FILE points at ${file}, which is empty.`);
    return value;
}

/**
 * Reads and validates the environment once at start. Throws `ConfigError` naming the variable on bad input.
 * @param env usually `process.env`
 */
export function loadConfig(env: Env = process.env): Config {
    const upstreamBaseUrl = url(env, "UPSTREAM_BASE_URL", ["http:", "https:"], "http://llm:8000/v1").replace(
        /\/+$/,
        "",
    );
    const redisUrl = url(env, "REDIS_URL", ["redis:", "rediss:"], "redis://redis:6379/0");
    const defaultTtlSeconds = int(env, "CACHE_DEFAULT_TTL_SECONDS", 300, 1, 86400);
    const rulesFile = env.CACHE_RULES_FILE?.trim();
    const rules = rulesFile ? loadRulesFile(rulesFile, defaultTtlSeconds) : defaultRules(defaultTtlSeconds);
    const logLevel = env.LOG_LEVEL?.trim() || "info";
    if (!["fatal", "error", "warn", "info", "debug", "trace", "silent"].includes(logLevel)) {
        throw new ConfigError(
            `LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got "${logLevel}".`,
        );
    }
    const apiKey = secretFromFile(env, "UPSTREAM_API_KEY") ?? env.UPSTREAM_API_KEY?.trim();
    const redisPassword = secretFromFile(env, "REDIS_PASSWORD") ?? (env.REDIS_PASSWORD || undefined);
    return {
        port: int(env, "PORT", 8080, 0, 65535),
        host: env.HOST?.trim() || "0.0.0.0",
        upstreamBaseUrl,
        upstreamApiKey: apiKey ? apiKey : undefined,
        redisUrl,
        redisPassword,
        defaultTtlSeconds,
        staleSeconds: int(env, "CACHE_STALE_SECONDS", 120, 0, 86400),
        upstreamTimeoutMs: int(env, "UPSTREAM_TIMEOUT_MS", 30000, 1, 600000),
        upstreamMaxConcurrency: int(env, "UPSTREAM_MAX_CONCURRENCY", 50, 1, 10000),
        upstreamMaxQueue: int(env, "UPSTREAM_MAX_QUEUE", 500, 0, 100000),
        maxBodyBytes: int(env, "MAX_BODY_BYTES", 1048576, 1024, 64 * 1048576),
        headersTimeoutMs: int(env, "HEADERS_TIMEOUT_MS", 10000, 100, 600000),
        bodyTimeoutMs: int(env, "BODY_TIMEOUT_MS", 30000, 100, 600000),
        maxEntryBytes: int(env, "CACHE_MAX_ENTRY_BYTES", 2 * 1048576, 1024, 64 * 1048576),
        lruMaxEntries: int(env, "LRU_MAX_ENTRIES", 5000, 0, 10000000),
        lruMaxBytes: int(env, "LRU_MAX_BYTES", 64 * 1048576, 0, 16 * 1024 * 1048576),
        keyPrefix: env.CACHE_KEY_PREFIX?.trim() || "chatcache",
        cacheNondeterministic: bool(env, "CACHE_NONDETERMINISTIC", false),
        cacheMultipleChoices: bool(env, "CACHE_ALLOW_MULTIPLE_CHOICES", false),
        redisCommandTimeoutMs: int(env, "REDIS_COMMAND_TIMEOUT_MS", 100, 1, 60000),
        redisBreakerThreshold: int(env, "REDIS_BREAKER_THRESHOLD", 5, 1, 1000),
        redisBreakerCooldownMs: int(env, "REDIS_BREAKER_COOLDOWN_MS", 2000, 1, 600000),
        shutdownGraceMs: int(env, "SHUTDOWN_GRACE_MS", 10000, 0, 600000),
        logLevel,
        rules,
    };
}
