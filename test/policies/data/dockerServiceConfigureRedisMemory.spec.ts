import { expect } from "chai";
import { REDIS_MAX_SHARE } from "../../../components/redisTuning";
import { dockerServiceConfigureRedisMemory as policy } from "../../../policies/data/dockerServiceConfigureRedisMemory";
import { appService, redisService, SERVICE } from "../fixtures";
import { assertMetadata, assertNoViolations, assertViolations, resourceArgs } from "../util";

const withArgs = (args: string[]) => {
    const svc = redisService();
    svc.taskSpec.containerSpec.args = args;
    return svc;
};

describe("docker-service-configure-redis-memory", () => {
    it("has the pack's metadata", () => assertMetadata(policy, "docker-service-configure-redis-memory", "mandatory"));

    it("defaults to the components' 2/3 headroom share", () => {
        expect((policy.configSchema!.properties.maxShare as any).default).to.equal(REDIS_MAX_SHARE);
    });

    it("passes maxmemory at exactly 2/3 of the limit (4gb under 6GiB, as prod runs)", async () => {
        await assertNoViolations(policy, resourceArgs(policy, SERVICE, redisService()));
    });

    it("reads Redis units: 4g is 4e9 bytes and fits, 4097mb does not", async () => {
        await assertNoViolations(
            policy,
            resourceArgs(
                policy,
                SERVICE,
                withArgs(["redis-server", "--maxmemory", "4g", "--maxmemory-policy", "allkeys-lru"]),
            ),
        );
        await assertViolations(
            policy,
            resourceArgs(
                policy,
                SERVICE,
                withArgs(["redis-server", "--maxmemory", "4097mb", "--maxmemory-policy", "allkeys-lru"]),
            ),
            'Redis service "redis" must keep maxmemory at or below 2/3 of its memory limit (4GiB of 6GiB), got "4097mb".',
        );
    });

    it("fails maxmemory equal to the limit", async () => {
        await assertViolations(
            policy,
            resourceArgs(
                policy,
                SERVICE,
                withArgs(["redis-server", "--maxmemory", "6gb", "--maxmemory-policy", "allkeys-lru"]),
            ),
            'Redis service "redis" must keep maxmemory at or below 2/3 of its memory limit (4GiB of 6GiB), got "6gb".',
        );
    });

    it("fails a Redis without --maxmemory", async () => {
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, withArgs(["redis-server", "--maxmemory-policy", "allkeys-lru"])),
            'Redis service "redis" must set --maxmemory to at most 2/3 of its memory limit (4GiB).',
        );
    });

    it("fails a Redis without an eviction policy", async () => {
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, withArgs(["redis-server", "--maxmemory", "3gb"])),
            'Redis service "redis" must set an eviction policy with --maxmemory-policy.',
        );
    });

    it("fails an unknown eviction policy", async () => {
        await assertViolations(
            policy,
            resourceArgs(
                policy,
                SERVICE,
                withArgs(["redis-server", "--maxmemory", "3gb", "--maxmemory-policy", "lru"]),
            ),
            'Redis service "redis" must use one of the eviction policies noeviction, allkeys-lru, allkeys-lfu, allkeys-random, volatile-lru, volatile-lfu, volatile-random, volatile-ttl, got "lru".',
        );
    });

    it("fails a Redis without a memory limit", async () => {
        const svc = redisService();
        delete svc.taskSpec.resources.limits.memoryBytes;
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, svc),
            'Redis service "redis" must have a memory limit (taskSpec.resources.limits.memoryBytes) for its maxmemory to be checked against.',
        );
    });

    it("recognises Redis by its command line as well as its image", async () => {
        const svc = withArgs(["--maxmemory", "6gb", "--maxmemory-policy", "allkeys-lru"]);
        svc.taskSpec.containerSpec.image = "ghcr.io/acme/cache:1.0";
        svc.taskSpec.containerSpec.commands = ["/usr/local/bin/redis-server"];
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, svc),
            'Redis service "redis" must keep maxmemory at or below 2/3 of its memory limit (4GiB of 6GiB), got "6gb".',
        );
    });

    it("ignores services that are not Redis (e.g. redis_exporter)", async () => {
        const svc = appService();
        svc.taskSpec.containerSpec.image = "oliver006/redis_exporter:v1.62.0";
        await assertNoViolations(policy, resourceArgs(policy, SERVICE, svc));
    });

    it("takes the share from config", async () => {
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, redisService(), { config: { maxShare: 0.5 } }),
            'Redis service "redis" must keep maxmemory at or below 50% of its memory limit (3GiB of 6GiB), got "4gb".',
        );
    });
});
