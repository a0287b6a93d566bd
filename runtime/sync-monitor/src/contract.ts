/**
 * The deployment contract between this service and the Pulumi component that runs it (components/syncMonitor.ts):
 * every name both sides spell. Only constants and no imports, because the image builds from runtime/sync-monitor
 * alone while the program imports this file from outside.
 */

/** The Docker service name, which is also its DNS name on the overlay and its scrape job. */
export const SYNC_MONITOR_SERVICE = "sync-monitor";

/** The HTTP port (API, health, metrics) when `PORT` is unset. */
export const SYNC_MONITOR_DEFAULT_PORT = 9091;

/** Paths the HTTP server answers for the platform: the liveness probe, Prometheus metrics and the sync report. */
export const SYNC_MONITOR_PATHS = {
    health: "/healthz",
    metrics: "/metrics",
    syncHealth: "/api/v1/secret-sync/health",
} as const;

/** The command-line flag that runs the long-lived monitor (check loop + HTTP server). */
export const SYNC_MONITOR_MONITOR_FLAG = "--monitor";

/** Environment variables the component sets and the service reads. `*_FILE` ones point at mounted files. */
export const SYNC_MONITOR_ENV = {
    port: "PORT",
    syncConfig: "SYNC_CONFIG",
    attestationsFile: "SYNC_ATTESTATIONS_FILE",
    githubApiUrl: "GITHUB_API_URL",
    githubTokenFile: "GITHUB_TOKEN_FILE",
    pulumiBackendUrl: "PULUMI_BACKEND_URL",
    pulumiAccessTokenFile: "PULUMI_ACCESS_TOKEN_FILE",
    databaseUrl: "DATABASE_URL",
    databasePasswordFile: "DATABASE_PASSWORD_FILE",
    hmacKeyFile: "SYNC_HMAC_KEY_FILE",
    adminTokenFile: "SYNC_ADMIN_TOKEN_FILE",
    alertmanagerUrl: "ALERTMANAGER_URL",
} as const;

/** Where the component mounts the files the variables above point at. */
export const SYNC_MONITOR_FILES = {
    /** Docker config: the sync mapping (the same text the program used for the GitHub secrets). */
    syncConfig: "/etc/sync-monitor/sync-config.yaml",
    /** Docker config: what the program wrote to GitHub, so the monitor can verify it (optional). */
    attestations: "/etc/sync-monitor/attestations.json",
    /** Docker secrets. */
    githubToken: "/run/secrets/github_token",
    pulumiAccessToken: "/run/secrets/pulumi_access_token",
    databasePassword: "/run/secrets/database_password",
    hmacKey: "/run/secrets/hmac_key",
    adminToken: "/run/secrets/admin_token",
} as const;

/** The image's unprivileged user (the official Node images' "node"), which must be able to read the mounted files. */
export const SYNC_MONITOR_UID = "1000";
