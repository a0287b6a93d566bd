import { expect } from "chai";
import { DEFAULT_TIERS, resolveTierSpec } from "../../components/tiers";
import { installMocks, isSecretValue, resourceNamed, resourcesOf, settled, unwrap } from "../support/pulumiMocks";

const SECRET_VALUES = [
    "redis-secret-1",
    "upstream-key-2",
    "gh-token-3",
    "pulumi-token-4",
    "pg-password-5",
    "hmac-key-0123456789abcdef0123456789abcdef",
    "admin-token-7",
];
const medium = resolveTierSpec("medium", DEFAULT_TIERS.medium, "tiers.medium");
const low = resolveTierSpec("low", DEFAULT_TIERS.low, "tiers.low");

/** Decoded contents of the docker secrets a service mounts, by file name. */
function mountedSecrets(service: Record<string, any>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const s of service.taskSpec.containerSpec.secrets) {
        const secret = resourcesOf("docker:index/secret:Secret").find((r) => `${r.name}-id` === s.secretId)!;
        expect(isSecretValue(secret.inputs.data), s.fileName).to.equal(true);
        out[s.fileName] = Buffer.from(unwrap(secret.inputs.data), "base64").toString();
    }
    return out;
}

/** Both runtime services run the same way: as node, with init, read-only, no capability, no writable mount. */
function expectRuntimeHardening(svc: Record<string, any>): void {
    const cs = svc.taskSpec.containerSpec;
    expect(cs).to.include({ user: "1000:1000", readOnly: true, init: true });
    expect(cs.capDrops).to.deep.equal(["ALL"]);
    expect(cs.capAdds).to.equal(undefined);
    expect(cs.mounts, "writes nothing to disk").to.equal(undefined);
}

describe("runtime services", () => {
    before(async () => {
        await installMocks();
    });

    describe("ChatCache", () => {
        let svc: Record<string, any>;
        before(async () => {
            const { ChatCache } = await import("../../components/chatCache");
            new ChatCache("t-chat", {
                image: "sophia/chat-cache@sha256:" + "c".repeat(64),
                resources: medium,
                networks: ["net-id"],
                redis: { host: "redis", port: 6379, password: SECRET_VALUES[0] },
                upstream: { baseUrl: "http://llm:8000/v1", apiKey: SECRET_VALUES[1] },
                env: { CACHE_DEFAULT_TTL_SECONDS: "300" },
            });
            await settled();
            svc = resourceNamed("docker:index/service:Service", "t-chat-service").inputs;
        });

        it("runs the built image by digest, 2 replicas spread over nodes, start-first with rollback", () => {
            expect(svc.name).to.equal("chat-cache");
            expect(svc.taskSpec.containerSpec.image).to.match(/@sha256:c{64}$/);
            expect(svc.mode).to.deep.equal({ replicated: { replicas: 2 } });
            // Swarm spreads replicas over nodes by itself; a "node.id" descriptor would be ignored.
            expect(svc.taskSpec.placement.prefs).to.equal(undefined);
            expect(svc.updateConfig).to.include({ order: "start-first", failureAction: "rollback" });
            expect(svc.taskSpec.resources.limits).to.deep.equal({ nanoCpus: 1e9, memoryBytes: 2 * 1024 ** 3 });
        });

        it("runs as node (1000:1000) with init, a read-only root filesystem and no capability", () => {
            expectRuntimeHardening(svc);
        });

        it("checks /healthz with node and declares its metrics port", () => {
            expect(svc.taskSpec.containerSpec.healthcheck.tests.slice(0, 3)).to.deep.equal(["CMD", "node", "-e"]);
            expect(svc.taskSpec.containerSpec.healthcheck.tests[3]).to.contain("path:'/healthz'");
            expect(svc.labels).to.deep.include({ label: "sophia.metrics.port", value: "8080" });
            expect(svc.labels).to.deep.include({ label: "sophia.runtime", value: "chat-cache" });
        });

        it("gets the Redis password and upstream key only as secret files", () => {
            expect(mountedSecrets(svc)).to.deep.equal({
                "/run/secrets/redis_password": SECRET_VALUES[0],
                "/run/secrets/upstream_api_key": SECRET_VALUES[1],
            });
            expect(svc.taskSpec.containerSpec.env).to.deep.equal({
                CACHE_DEFAULT_TTL_SECONDS: "300",
                PORT: "8080",
                UPSTREAM_BASE_URL: "http://llm:8000/v1",
                REDIS_URL: "redis://redis:6379/0",
                REDIS_PASSWORD_FILE: "/run/secrets/redis_password",
                UPSTREAM_API_KEY_FILE: "/run/secrets/upstream_api_key",
            });
        });
    });

    describe("SyncMonitor", () => {
        let svc: Record<string, any>;
        const mapping = "version: 1\nesc:\n  environment: a/b/c\n";
        before(async () => {
            const { SyncMonitor } = await import("../../components/syncMonitor");
            new SyncMonitor("t-sync", {
                image: "sophia/sync-monitor@sha256:" + "d".repeat(64),
                resources: low,
                networks: ["net-id"],
                syncConfigYaml: mapping,
                githubApiUrl: "https://api.github.com",
                githubToken: SECRET_VALUES[2],
                pulumiBackendUrl: "https://api.pulumi.com",
                pulumiAccessToken: SECRET_VALUES[3],
                postgres: {
                    host: "postgres",
                    port: 5432,
                    user: "sophia",
                    database: "sophia_ai",
                    password: SECRET_VALUES[4],
                },
                hmacKey: SECRET_VALUES[5],
                adminToken: SECRET_VALUES[6],
                alertmanagerUrl: "http://alertmanager:9093",
            });
            await settled();
            svc = resourceNamed("docker:index/service:Service", "t-sync-service").inputs;
        });

        it("runs one replica in monitor mode, low tier, stop-first", () => {
            expect(svc.name).to.equal("sync-monitor");
            expect(svc.mode).to.deep.equal({ replicated: { replicas: 1 } });
            expect(svc.taskSpec.containerSpec.args).to.deep.equal(["--monitor"]);
            expect(svc.updateConfig.order).to.equal("stop-first");
            expect(svc.taskSpec.resources.limits).to.deep.equal({ nanoCpus: 0.5e9, memoryBytes: 1024 ** 3 });
        });

        it("runs as node (1000:1000) with init, a read-only root filesystem and no capability", () => {
            expectRuntimeHardening(svc);
        });

        it("mounts every credential as a secret file and the mapping as a config", () => {
            expect(mountedSecrets(svc)).to.deep.equal({
                "/run/secrets/github_token": SECRET_VALUES[2],
                "/run/secrets/pulumi_access_token": SECRET_VALUES[3],
                "/run/secrets/database_password": SECRET_VALUES[4],
                "/run/secrets/hmac_key": SECRET_VALUES[5],
                "/run/secrets/admin_token": SECRET_VALUES[6],
            });
            const env = svc.taskSpec.containerSpec.env;
            expect(env).to.include({
                SYNC_CONFIG: "/etc/sync-monitor/sync-config.yaml",
                GITHUB_TOKEN_FILE: "/run/secrets/github_token",
                DATABASE_URL: "postgres://sophia@postgres:5432/sophia_ai",
                ALERTMANAGER_URL: "http://alertmanager:9093",
            });
            const config = resourceNamed("docker:index/serviceConfig:ServiceConfig", "t-sync-config-mapping").inputs;
            expect(Buffer.from(config.data, "base64").toString()).to.equal(mapping);
        });
    });

    it("never puts a secret value in any service's plain env, args or labels", () => {
        for (const s of resourcesOf("docker:index/service:Service", "t-")) {
            const visible = JSON.stringify([
                s.inputs.taskSpec.containerSpec.env,
                s.inputs.taskSpec.containerSpec.args,
                s.inputs.labels,
            ]);
            for (const v of SECRET_VALUES) {
                expect(visible, s.name).to.not.contain(v);
            }
        }
    });
});
