/**
 * The deployment contract between this service and the Pulumi component that runs it (components/chatCache.ts):
 * every name both sides spell. Only constants and no imports, because the image builds from runtime/chat-cache
 * alone while the program imports this file from outside.
 */

/** The Docker service name, which is also its DNS name on the overlay and its scrape job. */
export const CHAT_CACHE_SERVICE = "chat-cache";

/** The HTTP port (API, health, metrics) when `PORT` is unset. */
export const CHAT_CACHE_DEFAULT_PORT = 8080;

/** Paths the HTTP server answers for the platform: the liveness probe and Prometheus metrics. */
export const CHAT_CACHE_PATHS = { health: "/healthz", metrics: "/metrics" } as const;

/** Environment variables the component sets and the service reads. `*_FILE` ones point at mounted secret files. */
export const CHAT_CACHE_ENV = {
    port: "PORT",
    upstreamBaseUrl: "UPSTREAM_BASE_URL",
    upstreamApiKeyFile: "UPSTREAM_API_KEY_FILE",
    redisUrl: "REDIS_URL",
    redisPasswordFile: "REDIS_PASSWORD_FILE",
    rulesFile: "CACHE_RULES_FILE",
} as const;

/** Where the component mounts the files the `*_FILE` variables point at. */
export const CHAT_CACHE_FILES = {
    /** Docker secret: the Redis password. */
    redisPassword: "/run/secrets/redis_password",
    /** Docker secret: the API key sent upstream (optional). */
    upstreamApiKey: "/run/secrets/upstream_api_key",
    /** Docker config: the TTL rules (YAML/JSON, optional). */
    rules: "/etc/chat-cache/rules.yaml",
} as const;

/** The image's unprivileged user (the official Node images' "node"), which must be able to read the mounted files. */
export const CHAT_CACHE_UID = "1000";
