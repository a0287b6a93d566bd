import { expect } from "chai";
import { parseStackConfig, RawStackConfig, StackConfigError } from "../../../components/stackConfig";

const app = (over: Record<string, unknown> = {}) => ({
    name: "api",
    image: "example/api:1.0.0",
    tier: "medium",
    port: 8000,
    ...over,
});
const errorOf = (raw: RawStackConfig): string => {
    try {
        parseStackConfig(raw);
    } catch (e) {
        expect(e).to.be.instanceOf(StackConfigError);
        return (e as Error).message;
    }
    throw new Error("expected a StackConfigError");
};
const rejects = (raw: RawStackConfig, message: RegExp) => expect(errorOf(raw)).to.match(message);

describe("stack config sections", () => {
    describe("scalars", () => {
        it("validates publicHost as a bare host name", () => {
            expect(parseStackConfig({ publicHost: "swarm.sophia-ai.internal" }).publicHost).to.equal(
                "swarm.sophia-ai.internal",
            );
            rejects(
                { publicHost: "http://x:80/" },
                /`sophia-infra:publicHost` is "http:\/\/x:80\/". Set a bare host name/,
            );
        });
        it("rejects an empty environment and an unknown publish mode", () => {
            rejects({ environment: "" }, /`sophia-infra:environment` is "". Set it to a non-empty string/);
            rejects({ publishMode: "mesh" }, /`sophia-infra:publishMode` is "mesh". Use one of: ingress, host/);
        });
        it("reads structured values given as JSON text, as Pulumi hands them to the program", () => {
            const cfg = parseStackConfig({ converge: "false", networks: '[{"name":"n","mtu":1450}]' });
            expect(cfg.converge).to.equal(false);
            expect(cfg.networks).to.deep.equal([{ name: "n", mtu: 1450, encrypted: true, internal: false }]);
            rejects({ redis: "{not json" }, /`sophia-infra:redis` is "\{not json". Use a map/);
        });
        it("reports every problem at once, one line each", () => {
            const lines = errorOf({ environment: "", endpointMode: "ipvs" }).split("\n");
            expect(lines).to.have.length(2);
            expect(lines.every((l) => l.startsWith("Config `sophia-infra:"))).to.equal(true);
        });
    });

    describe("tiers", () => {
        it("refuses to override a tier that does not exist, and reservations above limits", () => {
            rejects({ tiers: { turbo: {} } }, /`sophia-infra:tiers` overrides "turbo", which is not a tier/);
            rejects(
                {
                    tiers: {
                        low: { limits: { cpus: 1, memory: "1GiB" }, reservations: { cpus: 2, memory: "1GiB" } },
                    },
                },
                /`sophia-infra:tiers.low` has reservations above its limits/,
            );
        });
        it("names an unreadable size or CPU count by its full key", () => {
            const msg = errorOf({
                tiers: { high: { limits: { cpus: 0, memory: "lots" }, reservations: { cpus: 1, memory: "1GiB" } } },
            });
            expect(msg).to.match(/`sophia-infra:tiers.high.limits.cpus` is 0. Use a positive number of CPUs/);
            expect(msg).to.match(/`sophia-infra:tiers.high.limits.memory` is "lots". Use a size such as/);
            expect(msg).not.to.match(/reservations above/);
        });
    });

    describe("networks", () => {
        it("defaults mtu, encryption and internal, and refuses duplicate names and an empty list", () => {
            expect(parseStackConfig({ networks: [{ name: "a" }] }).networks[0]).to.deep.equal({
                name: "a",
                mtu: 1500,
                encrypted: true,
                internal: false,
            });
            rejects({ networks: [{ name: "a" }, { name: "a" }] }, /`sophia-infra:networks\[1\].name` repeats "a"/);
            rejects({ networks: [] }, /`sophia-infra:networks` is empty/);
            rejects(
                { networks: [{ name: "a", encrypted: "yes" }] },
                /`sophia-infra:networks\[0\].encrypted` is "yes". Use true or false/,
            );
        });
    });

    describe("converge", () => {
        it("takes {delay, timeout} with defaults, or false, and checks durations", () => {
            expect(parseStackConfig({ converge: { delay: "5s" } }).converge).to.deep.equal({
                delay: "5s",
                timeout: "3m",
            });
            expect(parseStackConfig({ converge: false }).converge).to.equal(false);
            rejects(
                { converge: { timeout: "soon" } },
                /`sophia-infra:converge.timeout` is "soon". Use a duration such as "7s"/,
            );
            rejects({ converge: "fast" }, /`sophia-infra:converge` is "fast". Use \{delay, timeout\}/);
        });
    });

    describe("services", () => {
        it("fills an entry's defaults and resolves its tier", () => {
            const [svc] = parseStackConfig({ services: [app()] }).services;
            expect(svc).to.deep.include({
                name: "api",
                replicas: 1,
                networks: ["sophia-overlay"],
                constraints: [],
                publish: [],
                spreadOver: [],
                env: {},
                gpus: 0,
                healthPath: "/health",
                metricsPath: undefined,
            });
            expect(svc.resources.tier).to.equal("medium");
        });
        it("requires name, image, tier and port, and refuses unknown keys", () => {
            const msg = errorOf({ services: [{ imagee: "x:1" }] });
            for (const k of ["name", "image", "tier", "port"]) {
                expect(msg).to.match(new RegExp(`\`sophia-infra:services\\[0\\]\\.${k}\` is missing`));
            }
            expect(msg).to.match(/`sophia-infra:services\[0\]` has unknown key "imagee". Use only: name, image/);
        });
        it("refuses duplicate names, bad ports, constraints that are not strings", () => {
            rejects({ services: [app(), app()] }, /`sophia-infra:services\[1\].name` repeats "api"/);
            rejects(
                { services: [app({ port: 70000 })] },
                /`sophia-infra:services\[0\].port` is 70000. Set a whole number from 1 to 65535/,
            );
            rejects(
                { services: [app({ publish: [{ target: 80 }] })] },
                /`sophia-infra:services\[0\].publish\[0\].published` is missing/,
            );
            rejects(
                { services: [app({ constraints: "node.role==worker" })] },
                /`sophia-infra:services\[0\].constraints` is "node.role==worker". Set it to a list of strings/,
            );
        });
        it("refuses a platform service's name", () => {
            rejects(
                { services: [app({ name: "redis" })] },
                /`sophia-infra:services\[0\].name` is "redis", the name of a platform service/,
            );
        });
        it("never shows an env value: not for a secret-looking name, not for a value of the wrong kind", () => {
            const msg = errorOf({
                services: [app({ env: { SIGNING_KEY: "s3cr3t-signing", PORT_LIST: { nested: "s3cr3t-nested" } } })],
            });
            expect(msg).to.match(/`sophia-infra:services\[0\].env.SIGNING_KEY` looks like a secret/);
            expect(msg).to.match(/`sophia-infra:services\[0\].env.PORT_LIST` is a map. Use a string value/);
            expect(msg).not.to.match(/s3cr3t/);
        });
        it("lets ordinary LLM settings through the secret-name rule", () => {
            const env = { MAX_TOKENS: "4096", TOKENIZER_MODEL: "cl100k", CACHE_KEY_PREFIX: "x" };
            expect(parseStackConfig({ services: [app({ env })] }).services[0].env).to.deep.equal(env);
        });
    });

    describe("redis", () => {
        it("defaults image, tier and eviction policy; maxmemory is read as bytes", () => {
            const redis = parseStackConfig({ redis: { maxmemory: "1gb" } }).redis;
            expect(redis).to.deep.include({
                image: "redis:7.2.5-bookworm",
                evictionPolicy: "allkeys-lru",
                maxmemoryBytes: 1024 ** 3,
            });
            expect(redis.resources.tier).to.equal("medium");
        });
        it("refuses an unknown eviction policy and an unreadable maxmemory", () => {
            rejects(
                { redis: { evictionPolicy: "lru" } },
                /`sophia-infra:redis.evictionPolicy` is "lru". Use one of: allkeys-lru/,
            );
            rejects(
                { redis: { maxmemory: "lots" } },
                /`sophia-infra:redis.maxmemory` is "lots". Use a size such as "4gb"/,
            );
        });
    });

    describe("postgres", () => {
        it("defaults user, database, connections and storage", () => {
            expect(parseStackConfig({}).postgres).to.deep.include({
                user: "sophia",
                database: "sophia_ai",
                maxConnections: 200,
                storage: "ssd",
                image: "postgres:15.10-bookworm",
            });
        });
        it("refuses too few connections, an unknown storage, and a tier below 256MiB", () => {
            rejects(
                { postgres: { maxConnections: 5 } },
                /`sophia-infra:postgres.maxConnections` is 5. Set a whole number from 10 to 5000/,
            );
            rejects(
                { postgres: { storage: "nvme" } },
                /`sophia-infra:postgres.storage` is "nvme". Use one of: ssd, hdd, san/,
            );
            rejects(
                {
                    postgres: {
                        tier: "custom",
                        resources: {
                            limits: { cpus: 1, memory: "128MiB" },
                            reservations: { cpus: 1, memory: "64MiB" },
                        },
                    },
                },
                /`sophia-infra:postgres.tier` gives Postgres less than 256MiB/,
            );
        });
    });

    describe("monitoring", () => {
        it("defaults to enabled with Grafana and cAdvisor; validates images, constraints, receivers", () => {
            expect(parseStackConfig({}).monitoring).to.deep.include({ enabled: true, grafana: true, cadvisor: true });
            rejects(
                { monitoring: { images: { loki: "grafana/loki:3.0.0" } } },
                /`sophia-infra:monitoring.images` has unknown key "loki"/,
            );
            rejects(
                { monitoring: { images: { grafana: "grafana/grafana:latest" } } },
                /`sophia-infra:monitoring.images.grafana` is "grafana\/grafana:latest". Do not deploy `:latest`/,
            );
            rejects(
                { monitoring: { constraints: [1] } },
                /`sophia-infra:monitoring.constraints\[0\]` is 1. Use a string/,
            );
            rejects(
                { monitoring: { email: { to: "ops@example.com" } } },
                /`sophia-infra:monitoring.email.from` is missing. Set the sender address/,
            );
            expect(parseStackConfig({ monitoring: { slack: {} } }).monitoring.slack).to.deep.equal({
                channel: "#sophia-ai-alerts",
            });
        });
    });

    describe("runtime", () => {
        it("defaults both services and leaves chat-cache out when disabled", () => {
            const runtime = parseStackConfig({}).runtime;
            expect(runtime.chatCache).to.deep.include({
                replicas: 2,
                port: 8080,
                upstreamBaseUrl: "http://llm-gateway:8000/v1",
            });
            expect(runtime.syncMonitor).to.deep.include({
                replicas: 1,
                port: 9091,
                githubApiUrl: "https://api.github.com",
            });
            expect(runtime.syncMonitor.resources.tier).to.equal("low");
            expect(parseStackConfig({ runtime: { chatCache: { enabled: false } } }).runtime.chatCache).to.equal(
                undefined,
            );
        });
        it("applies the tier rule, the one-replica rule and URL checks; passes no raw keys through", () => {
            rejects(
                { runtime: { chatCache: { tier: "custom" } } },
                /`sophia-infra:runtime.chatCache.resources` is missing for a custom tier/,
            );
            rejects(
                {
                    runtime: {
                        syncMonitor: {
                            resources: {
                                limits: { cpus: 1, memory: "1GiB" },
                                reservations: { cpus: 1, memory: "1GiB" },
                            },
                        },
                    },
                },
                /`sophia-infra:runtime.syncMonitor.resources` is set but the tier is low/,
            );
            rejects(
                { runtime: { syncMonitor: { replicas: 2 } } },
                /`sophia-infra:runtime.syncMonitor.replicas` is 2. The sync-monitor runs one replica/,
            );
            rejects(
                { runtime: { chatCache: { upstreamBaseUrl: "llm:8000" } } },
                /`sophia-infra:runtime.chatCache.upstreamBaseUrl` is "llm:8000". Set an http\(s\) URL/,
            );
            rejects(
                { runtime: { syncMonitor: { extra: 1 } } },
                /`sophia-infra:runtime.syncMonitor` has unknown key "extra"/,
            );
            rejects(
                { runtime: { registry: { server: "ghcr.io" } } },
                /`sophia-infra:runtime.registry.repository` is missing. Set the repository path/,
            );
            const allowed = [
                "constraints",
                "env",
                "githubApiUrl",
                "port",
                "publish",
                "pulumiBackendUrl",
                "replicas",
                "resources",
            ];
            expect(allowed).to.include.members(
                Object.keys(parseStackConfig({ runtime: { syncMonitor: { publish: 9091 } } }).runtime.syncMonitor),
            );
        });
    });

    describe("github", () => {
        it("defaults to no sync and managed secrets; reports a bad mapping through the sync-monitor's parser", () => {
            expect(parseStackConfig({}).github).to.deep.equal({ manageSecrets: true });
            rejects(
                { github: { sync: { foo: 1 } } },
                /`sophia-infra:github.sync` is not a valid sync mapping \(.*foo.*\). See runtime\/sync-monitor\/README.md/,
            );
            rejects(
                { github: { manageSecrets: "no" } },
                /`sophia-infra:github.manageSecrets` is "no". Use true or false/,
            );
        });
    });
});
