/**
 * Compliant resources, shaped as the components (components/swarmService.ts, overlayNetwork.ts) register them.
 * Each call returns a fresh copy, so a test can mutate one field.
 */
import { DEFAULT_TIERS, resolveTierSpec } from "../../components/tiers";
import { pgSettingsToArgs, pgShmBytes, pgTune } from "../../components/pgtune";
import { GiB } from "../../components/units";

export const SERVICE = "docker:index/service:Service";
export const NETWORK = "docker:index/network:Network";
export const IMAGE = "docker:index/image:Image";
export const ACTIONS_SECRET = "github:index/actionsSecret:ActionsSecret";
export const DIGEST = `sha256:${"ab".repeat(32)}`;

const medium = resolveTierSpec("medium", DEFAULT_TIERS.medium, "test");

/** A stateless app service on the medium tier with a healthcheck, rollback and a secret file. */
export function appService(): Record<string, any> {
    return {
        name: "api",
        labels: [
            { label: "sophia.service", value: "api" },
            { label: "sophia.tier", value: "medium" },
        ],
        mode: { replicated: { replicas: 2 } },
        taskSpec: {
            containerSpec: {
                image: "ghcr.io/sophia-ai/api:1.2.3",
                // Hardened as SwarmService builds it (CIS 4.1, 5.4, 5.13).
                user: "65534:65534",
                readOnly: true,
                capDrops: ["ALL"],
                mounts: [{ type: "tmpfs", target: "/tmp", tmpfsOptions: { sizeBytes: 64 * 1024 * 1024 } }],
                env: { LOG_LEVEL: "info", API_TOKEN_FILE: "/run/secrets/api_token", CACHE_KEY_PREFIX: "v1" },
                secrets: [
                    { secretId: "s1", secretName: "api-secret-token-abc1234", fileName: "/run/secrets/api_token" },
                ],
                healthcheck: {
                    tests: ["CMD", "curl", "-fsS", "http://localhost:8000/health"],
                    interval: "20s",
                    timeout: "10s",
                    retries: 3,
                    startPeriod: "40s",
                },
            },
            resources: {
                limits: { ...medium.limits },
                reservation: { ...medium.reservations },
            },
            networksAdvanceds: [{ id: "net-overlay-id" }],
        },
        updateConfig: {
            parallelism: 1,
            delay: "10s",
            failureAction: "rollback",
            monitor: "1m40s",
            order: "start-first",
        },
        endpointSpec: { mode: "vip" },
    };
}

/** Redis on a custom 6GiB limit with maxmemory at exactly 2/3 of it (prod's numbers). */
export function redisService(): Record<string, any> {
    const svc = appService();
    svc.name = "redis";
    svc.labels = [{ label: "sophia.tier", value: "custom" }];
    svc.taskSpec.containerSpec = {
        image: "redis:7.2.5-bookworm",
        user: "999:999",
        readOnly: true,
        capDrops: ["ALL"],
        args: [
            "redis-server",
            "/run/secrets/redis_auth.conf",
            "--maxmemory",
            "4gb",
            "--maxmemory-policy",
            "allkeys-lru",
            "--appendonly",
            "yes",
        ],
        healthcheck: { tests: ["CMD-SHELL", "redis-cli ping"], interval: "20s", retries: 3, startPeriod: "30s" },
    };
    svc.taskSpec.resources = {
        limits: { nanoCpus: 2e9, memoryBytes: 6 * GiB },
        reservation: { nanoCpus: 1e9, memoryBytes: 4 * GiB },
    };
    svc.updateConfig.monitor = "1m30s";
    return svc;
}

/** Postgres on a custom 4GiB limit tuned with pgTune and a /dev/shm tmpfs. */
export function postgresService(): Record<string, any> {
    const svc = appService();
    svc.name = "postgres";
    svc.labels = [{ label: "sophia.tier", value: "custom" }];
    svc.taskSpec.containerSpec = {
        image: "postgres:15.10-bookworm",
        user: "999:999",
        readOnly: true,
        capDrops: ["ALL"],
        args: pgSettingsToArgs(pgTune({ memoryBytes: 4 * GiB, cpus: 2 })),
        env: { POSTGRES_PASSWORD_FILE: "/run/secrets/postgres_password", POSTGRES_USER: "sophia" },
        secrets: [{ secretId: "s2", fileName: "/run/secrets/postgres_password" }],
        mounts: [
            { type: "volume", target: "/var/lib/postgresql/data", source: "pgdata" },
            { type: "tmpfs", target: "/dev/shm", tmpfsOptions: { sizeBytes: pgShmBytes(4 * GiB) } },
            { type: "tmpfs", target: "/var/run/postgresql", tmpfsOptions: { sizeBytes: 1024 * 1024 } },
        ],
        healthcheck: { tests: ["CMD", "pg_isready"], interval: "10s", retries: 5, startPeriod: "60s" },
    };
    svc.taskSpec.resources = {
        limits: { nanoCpus: 2e9, memoryBytes: 4 * GiB },
        reservation: { nanoCpus: 1e9, memoryBytes: 2 * GiB },
    };
    svc.updateConfig.monitor = "1m50s";
    return svc;
}

/** An encrypted overlay network with the standard MTU. */
export function overlayNetwork(): Record<string, any> {
    return {
        name: "sophia-overlay",
        driver: "overlay",
        attachable: true,
        options: { "com.docker.network.driver.mtu": "1500", encrypted: "true" },
    };
}

/** A repository Actions secret set from a secret value. */
export function actionsSecret(): Record<string, any> {
    return { repository: "sophia-ai-backend", secretName: "DEPLOY_TOKEN", value: "s3cr3t-value" };
}
