import { expect } from "chai";
import { det, detStream, metricValue, type Harness, useHarness } from "./harness";

async function histCount(
    h: Pick<Harness, "registry">,
    name: string,
    labels: Record<string, string> = {},
): Promise<number> {
    const m = await h.registry.getSingleMetric(name)!.get();
    return m.values
        .filter(
            (v) =>
                (v as { metricName?: string }).metricName === `${name}_count` &&
                Object.entries(labels).every(([k, val]) => String((v.labels as Record<string, unknown>)[k]) === val),
        )
        .reduce((a, v) => a + v.value, 0);
}

describe("chat-cache metrics", function () {
    const h = useHarness({ mode: "once" });

    it("records results by TTL class, lookups by tier, upstream latency and time to first token, and saved tokens", async () => {
        const stream = await h
            .client()
            .chat.completions.create(detStream("metrics", { stream_options: { include_usage: true } }));
        for await (const _ of stream) void _;
        await h.app.store.flush();
        await (await h.post(det("metrics"), { "x-chat-context": "infrastructure" })).text();
        await (await h.post({ model: "m", messages: [{ role: "user", content: "bypass" }] })).text();
        await (await h.post("{bad")).text();

        expect(
            await metricValue(h.registry, "cache_requests_total", { result: "miss", ttl_class: "default" }),
        ).to.equal(1);
        expect(await metricValue(h.registry, "cache_requests_total", { result: "bypass" })).to.equal(1);
        expect(await metricValue(h.registry, "cache_requests_total", { result: "error" })).to.equal(1);
        expect(await histCount(h, "cache_lookup_duration_seconds", { tier: "none" })).to.equal(1);
        expect(await histCount(h, "upstream_request_duration_seconds", { status: "200" })).to.equal(2);
        expect(await histCount(h, "upstream_time_to_first_token_seconds")).to.equal(2);
        expect(await metricValue(h.registry, "cache_writes_total", { outcome: "stored" })).to.equal(1);
        expect(await metricValue(h.registry, "upstream_in_flight")).to.equal(0);
        expect(await metricValue(h.registry, "upstream_queue_depth")).to.equal(0);
    });

    it("labels carry no tenant, key or prompt data", async () => {
        await (
            await h.post(det("label check"), { authorization: "Bearer sk-label-secret", "x-tenant-id": "tenant-label" })
        ).text();
        const text = await h.registry.metrics();
        expect(text).not.to.include("sk-label-secret");
        expect(text).not.to.include("tenant-label");
        expect(text).not.to.include("label check");
        const labelNames = new Set(
            [...text.matchAll(/\{([^}]*)\}/g)].flatMap((m) => m[1].split(",").map((kv) => kv.split("=")[0])),
        );
        expect(labelNames.size).to.be.greaterThan(2);
        for (const l of labelNames)
            expect(["le", "outcome", "result", "status", "tier", "ttl_class", "reason", "op"]).to.include(l);
    });
});
