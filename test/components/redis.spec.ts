import { expect } from "chai";
import { DEFAULT_TIERS, resolveTierSpec } from "../../components/tiers";
import { installMocks, resourceNamed, settled, unwrap } from "../support/pulumiMocks";

const GiB = 1024 ** 3;

describe("Redis", () => {
    let mod: typeof import("../../components/redis");
    before(async () => {
        await installMocks();
        mod = await import("../../components/redis");
    });

    it("derives maxmemory with headroom from the tier (60% of 2 GiB) and evicts LRU", async () => {
        const r = new mod.Redis("t-redis", {
            serviceName: "t-redis",
            image: "redis:7.2.5-bookworm",
            password: "redis-pw",
            resources: resolveTierSpec("medium", DEFAULT_TIERS.medium, "tiers.medium"),
            networks: ["n"],
        });
        await settled();
        expect(r.maxmemoryBytes).to.equal(1228 * 1024 ** 2);
        const inputs = resourceNamed("docker:index/service:Service", "t-redis-service").inputs;
        const args: string[] = inputs.taskSpec.containerSpec.args;
        expect(args.slice(0, 2)).to.deep.equal(["redis-server", "/run/secrets/redis_auth.conf"]);
        expect(args[args.indexOf("--maxmemory") + 1]).to.equal("1228mb");
        expect(args[args.indexOf("--maxmemory-policy") + 1]).to.equal("allkeys-lru");
        expect(args[args.indexOf("--appendonly") + 1]).to.equal("yes");
        expect(args[args.indexOf("--appendfsync") + 1]).to.equal("everysec");
        expect(args.join(" ")).to.not.contain("redis-pw");
        expect(inputs.taskSpec.containerSpec.sysctl).to.deep.equal({ "net.core.somaxconn": "1024" });
        expect(inputs.taskSpec.containerSpec.mounts).to.deep.equal([
            { type: "volume", source: "t-redis-data", target: "/data", readOnly: false },
        ]);
        expect(inputs.taskSpec.containerSpec.healthcheck.tests[1]).to.contain("redis-cli ping");
        // As redis (999:999), read-only root filesystem (it writes only /data), every capability dropped.
        expect(inputs.taskSpec.containerSpec).to.include({ user: "999:999", readOnly: true });
        expect(inputs.taskSpec.containerSpec.capDrops).to.deep.equal(["ALL"]);
        expect(inputs.taskSpec.containerSpec.capAdds).to.equal(undefined);
        const conf = resourceNamed("docker:index/secret:Secret", "t-redis-secret-auth-conf").inputs;
        expect(Buffer.from(unwrap(conf.data), "base64").toString()).to.equal('requirepass "redis-pw"\n');
    });

    it("takes an explicit maxmemory at 2/3 of a custom 6 GiB limit (the prod setting)", async () => {
        const r = new mod.Redis("t-redis-prod", {
            serviceName: "t-redis-prod",
            image: "redis:7.2.5-bookworm",
            password: "x",
            maxmemoryBytes: 4 * GiB,
            resources: resolveTierSpec(
                "custom",
                { limits: { cpus: 2, memory: "6GiB" }, reservations: { cpus: 1, memory: "4GiB" } },
                "redis.resources",
            ),
            networks: ["n"],
        });
        await settled();
        expect(r.maxmemoryBytes).to.equal(4 * GiB);
        const args: string[] = resourceNamed("docker:index/service:Service", "t-redis-prod-service").inputs.taskSpec
            .containerSpec.args;
        expect(args[args.indexOf("--maxmemory") + 1]).to.equal("4gb");
    });

    it("refuses maxmemory equal to the memory limit (the original design's defect)", () => {
        expect(
            () =>
                new mod.Redis("t-redis-bad", {
                    serviceName: "t-redis-bad",
                    image: "redis:7.2.5-bookworm",
                    password: "x",
                    maxmemoryBytes: 4 * GiB,
                    resources: resolveTierSpec("high", DEFAULT_TIERS.high, "tiers.high"),
                    networks: ["n"],
                }),
        ).to.throw(/at most 2\/3 of the limit/);
    });
});
