import { expect } from "chai";
import { defaultRedisMaxmemory, redisMaxmemoryFits, redisServerArgs } from "../../components/redisTuning";

const GiB = 1024 ** 3;

describe("redisTuning", () => {
    it("defaults maxmemory to 60% of the limit, in whole MiB", () => {
        expect(defaultRedisMaxmemory(2 * GiB)).to.equal(1228 * 1024 ** 2);
        expect(defaultRedisMaxmemory(GiB)).to.equal(614 * 1024 ** 2);
    });
    it("accepts at most 2/3 of the limit", () => {
        expect(redisMaxmemoryFits(4 * GiB, 6 * GiB)).to.equal(true);
        expect(redisMaxmemoryFits(4 * GiB + 1, 6 * GiB)).to.equal(false);
        expect(redisMaxmemoryFits(4 * GiB, 4 * GiB)).to.equal(false);
    });
    it("builds redis-server arguments with LRU eviction and AOF everysec", () => {
        expect(redisServerArgs({ maxmemoryBytes: 4 * GiB, policy: "allkeys-lru", appendonly: true })).to.deep.equal([
            "--maxmemory",
            "4gb",
            "--maxmemory-policy",
            "allkeys-lru",
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
            "--tcp-keepalive",
            "60",
            "--tcp-backlog",
            "511",
            "--dir",
            "/data",
        ]);
        expect(
            redisServerArgs({ maxmemoryBytes: 1228 * 1024 ** 2, policy: "allkeys-lru", appendonly: false }),
        ).to.include.members(["1228mb", "no"]);
    });
});
