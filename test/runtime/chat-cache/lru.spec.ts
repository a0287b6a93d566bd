import { expect } from "chai";
import type { Registry } from "prom-client";
import { det, sleep, useHarness } from "./harness";

async function lookups(registry: Registry, tier: string): Promise<number> {
    const m = await registry.getSingleMetric("cache_lookup_duration_seconds")!.get();
    return m.values
        .filter(
            (v) =>
                (v as { metricName?: string }).metricName === "cache_lookup_duration_seconds_count" &&
                v.labels.tier === tier,
        )
        .reduce((a, v) => a + v.value, 0);
}

describe("chat-cache in-process LRU tier", function () {
    const h = useHarness({ mode: "manual" });

    it("answers hot keys from the local tier without a Redis round trip", async () => {
        await h.start();
        await (await h.post(det("hot"))).text();
        await h.app.store.flush();
        await h.redis.del(...(await h.keys()));
        const res = await h.post(det("hot"));
        expect(res.headers.get("x-cache-status")).to.equal("HIT");
        expect(await lookups(h.registry, "lru")).to.equal(1);
        expect(await lookups(h.registry, "redis")).to.equal(0);
    });

    it("caps the number of entries", async () => {
        await h.start({ LRU_MAX_ENTRIES: "2" });
        for (const p of ["a", "b", "c"]) await (await h.post(det(p))).text();
        expect(h.app.store.localSize).to.equal(2);
        // The evicted entry comes back from Redis.
        await h.app.store.flush();
        const res = await h.post(det("a"));
        expect(res.headers.get("x-cache-status")).to.equal("HIT");
        expect(await lookups(h.registry, "redis")).to.equal(1);
    });

    it("caps the bytes held", async () => {
        await h.start({ LRU_MAX_BYTES: "6000" });
        h.fake.behave = () => ({ kind: "ok", content: "x".repeat(1000) });
        for (let i = 0; i < 6; i++) await (await h.post(det(`big ${i}`))).text();
        expect(h.app.store.localSize).to.be.within(1, 2);
    });

    it("honours the entry TTL", async () => {
        await h.start({ CACHE_DEFAULT_TTL_SECONDS: "1", CACHE_STALE_SECONDS: "0" });
        await (await h.post(det("short"))).text();
        expect((await h.post(det("short"))).headers.get("x-cache-status")).to.equal("HIT");
        await sleep(1100);
        const res = await h.post(det("short"));
        expect(res.headers.get("x-cache-status")).to.equal("MISS");
        expect(await lookups(h.registry, "lru")).to.equal(1);
    });
});
