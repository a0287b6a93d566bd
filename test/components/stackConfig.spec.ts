import { expect } from "chai";
import { parseStackConfig, RawStackConfig, StackConfigError, validateImage } from "../../components/stackConfig";

const app = (over: Record<string, unknown> = {}) => ({
    name: "api",
    image: "example/api:1.0.0",
    tier: "medium",
    port: 8000,
    ...over,
});
const parse = (raw: RawStackConfig) => parseStackConfig(raw);
const rejects = (raw: RawStackConfig, message: RegExp) => {
    expect(() => parse(raw)).to.throw(StackConfigError, message);
};

describe("stackConfig", () => {
    describe(".parseStackConfig", () => {
        it("fills defaults: generated secrets, vip, one encrypted 1500 MTU overlay, 7s/3m converge", () => {
            const cfg = parse({});
            expect(cfg).to.include({
                environment: "dev",
                secretsSource: "generated",
                endpointMode: "vip",
                publishMode: "ingress",
            });
            expect(cfg.networks).to.deep.equal([
                { name: "sophia-overlay", mtu: 1500, encrypted: true, internal: false },
            ]);
            expect(cfg.converge).to.deep.equal({ delay: "7s", timeout: "3m" });
            expect(cfg.redis.image).to.equal("redis:7.2.5-bookworm");
            expect(cfg.postgres.resources.tier).to.equal("high");
        });

        it("lets a stack override a tier", () => {
            const cfg = parse({
                tiers: {
                    medium: { limits: { cpus: 0.5, memory: "512MiB" }, reservations: { cpus: 0.1, memory: "128MiB" } },
                },
                services: [app()],
            });
            expect(cfg.services[0].resources.limits).to.deep.equal({
                nanoCpus: 500_000_000,
                memoryBytes: 512 * 1024 ** 2,
            });
        });

        it("rejects an unknown tier, naming the key", () => {
            rejects(
                { services: [app({ tier: "turbo" })] },
                /`sophia-infra:services\[0\].tier` is "turbo": unknown tier. Use one of: high, medium, low, custom/,
            );
        });

        it("requires resources for a custom tier and refuses them on a standard one", () => {
            rejects(
                { services: [app({ tier: "custom" })] },
                /`sophia-infra:services\[0\].resources` is missing for a custom tier/,
            );
            rejects(
                {
                    services: [
                        app({
                            resources: {
                                limits: { cpus: 1, memory: "1GiB" },
                                reservations: { cpus: 1, memory: "1GiB" },
                            },
                        }),
                    ],
                },
                /`sophia-infra:services\[0\].resources` is set but the tier is medium. Set `tier: custom`/,
            );
        });

        it("rejects Redis maxmemory not below the memory limit, and above 2/3 of it", () => {
            rejects(
                { redis: { tier: "high", maxmemory: "4gb" } },
                /`sophia-infra:redis.maxmemory` \(4gb\) is not below the memory limit/,
            );
            rejects(
                { redis: { tier: "high", maxmemory: "3gb" } },
                /`sophia-infra:redis.maxmemory` \(3gb\) is above 2\/3 of the memory limit/,
            );
            expect(
                parse({
                    redis: {
                        tier: "custom",
                        resources: { limits: { cpus: 2, memory: "6GiB" }, reservations: { cpus: 1, memory: "4GiB" } },
                        maxmemory: "4gb",
                    },
                }).redis.maxmemoryBytes,
            ).to.equal(4 * 1024 ** 3);
        });

        it("rejects replicas below 1", () => {
            rejects(
                { services: [app({ replicas: 0 })] },
                /`sophia-infra:services\[0\].replicas` is 0. Set a whole number from 1/,
            );
        });

        it("rejects a GPU service without a GPU placement constraint", () => {
            rejects(
                { services: [app({ gpus: 1, constraints: ["node.role==worker"] })] },
                /`sophia-infra:services\[0\].constraints` has no GPU placement constraint although `gpus` is 1. Add "node.labels.gpu==true"/,
            );
            expect(
                parse({ services: [app({ gpus: 1, constraints: ["node.labels.gpu == true"] })] }).services[0].gpus,
            ).to.equal(1);
        });

        it("rejects a published port used twice, across services and data services", () => {
            rejects(
                {
                    services: [
                        app({ publish: [9000] }),
                        app({ name: "b", publish: [{ target: 80, published: 9000 }] }),
                    ],
                },
                /`sophia-infra:services\[1\].publish\[0\]` publishes port 9000, which `sophia-infra:services\[0\].publish\[0\]` already publishes/,
            );
            rejects(
                { services: [app({ publish: [6379] })], redis: { publish: [6379] } },
                /`sophia-infra:redis.publish\[0\]` publishes port 6379/,
            );
        });

        it("rejects :latest and untagged images", () => {
            rejects(
                { services: [app({ image: "example/api:latest" })] },
                /`sophia-infra:services\[0\].image` is "example\/api:latest". Do not deploy `:latest`/,
            );
            rejects(
                { services: [app({ image: "example/api" })] },
                /`sophia-infra:services\[0\].image` is "example\/api" with no tag. Pin an explicit version tag/,
            );
            rejects({ redis: { image: "redis" } }, /`sophia-infra:redis.image`/);
        });

        it("rejects an MTU outside 1280..9000 and unknown networks", () => {
            rejects(
                { networks: [{ name: "n", mtu: 9216 }] },
                /`sophia-infra:networks\[0\].mtu` must be an integer between 1280 and 9000/,
            );
            rejects(
                { services: [app({ networks: ["nope"] })] },
                /`sophia-infra:services\[0\].networks\[0\]` names "nope", which is not in `sophia-infra:networks`/,
            );
        });

        it("refuses secret-looking names in plain env", () => {
            rejects(
                { services: [app({ env: { DB_PASSWORD: "hunter2" } })] },
                /`sophia-infra:services\[0\].env.DB_PASSWORD` looks like a secret/,
            );
        });

        it("rejects unknown enum values with the allowed ones", () => {
            rejects({ endpointMode: "ipvs" }, /`sophia-infra:endpointMode` is "ipvs". Use one of: vip, dnsrr/);
            rejects({ secretsSource: "vault" }, /`sophia-infra:secretsSource` is "vault". Use one of: esc, generated/);
        });
    });

    describe(".validateImage", () => {
        it("accepts version tags, registry ports and digests", () => {
            expect(validateImage("k", "registry.local:5000/team/app:1.2.3")).to.equal(
                "registry.local:5000/team/app:1.2.3",
            );
            expect(validateImage("k", `app@sha256:${"a".repeat(64)}`)).to.contain("@sha256:");
        });
        it("treats a registry port as no tag", () => {
            expect(() => validateImage("k", "registry.local:5000/team/app")).to.throw(/with no tag/);
        });
    });
});
