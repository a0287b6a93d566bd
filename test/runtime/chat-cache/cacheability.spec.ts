import { expect } from "chai";
import { det, jsonOf, useHarness } from "./harness";

describe("chat-cache cacheability and controls", function () {
    const h = useHarness();

    async function twice(
        body: Record<string, unknown>,
        headers: Record<string, string> = {},
    ): Promise<[string | null, string | null]> {
        const a = await h.post(body, headers);
        await a.text();
        await h.app.store.flush();
        const b = await h.post(body, headers);
        await b.text();
        return [a.headers.get("x-cache-status"), b.headers.get("x-cache-status")];
    }

    it("bypasses non-deterministic requests (default temperature 1, no seed)", async () => {
        expect(await twice({ model: "m", messages: [{ role: "user", content: "creative" }] })).to.deep.equal([
            "BYPASS",
            "BYPASS",
        ]);
        expect(h.fake.calls).to.equal(2);
        expect(await h.keys()).to.deep.equal([]);
    });

    it("caches a seeded request and an explicit opt-in", async () => {
        expect(
            await twice({ model: "m", temperature: 0.7, seed: 42, messages: [{ role: "user", content: "s" }] }),
        ).to.deep.equal(["MISS", "HIT"]);
        expect(
            await twice({
                model: "m",
                temperature: 0.7,
                messages: [{ role: "user", content: "o" }],
                cache: { "use-cache": true },
            }),
        ).to.deep.equal(["MISS", "HIT"]);
        expect(
            await twice(
                { model: "m", temperature: 0.7, messages: [{ role: "user", content: "h" }] },
                { "cache-control": "max-age=120" },
            ),
        ).to.deep.equal(["MISS", "HIT"]);
    });

    it("does not cache n > 1 unless configured", async () => {
        expect(await twice(det("n2", { n: 2 }))).to.deep.equal(["BYPASS", "BYPASS"]);
    });

    it("does not cache truncated answers (finish_reason length) or upstream errors", async () => {
        h.fake.behave = () => ({ kind: "ok", finishReason: "length" });
        expect(await twice(det("long"))).to.deep.equal(["MISS", "MISS"]);
        h.fake.behave = () => ({ kind: "error", status: 500 });
        const [a, b] = await Promise.all([h.post(det("err")), h.post(det("err2"))]);
        expect(a.status).to.equal(500);
        expect(b.status).to.equal(500);
        const again = await h.post(det("err"));
        expect(again.status).to.equal(500);
        expect(h.fake.calls).to.equal(5);
        expect(await h.keys()).to.deep.equal([]);
    });

    it("honours cache.no-cache (skip lookup, still store) and cache.no-store (skip write)", async () => {
        await (await h.post(det("nc"))).text();
        await h.app.store.flush();
        const refresh = await h.post(det("nc", { cache: { "no-cache": true } }));
        expect(refresh.headers.get("x-cache-status")).to.equal("BYPASS");
        expect((await jsonOf(refresh)).choices[0].message.content).to.equal("Answer #2");
        await h.app.store.flush();
        const after = await h.post(det("nc"));
        expect(after.headers.get("x-cache-status")).to.equal("HIT");
        expect((await jsonOf(after)).choices[0].message.content).to.equal("Answer #2");

        expect(await twice(det("ns", { cache: { "no-store": true } }))).to.deep.equal(["BYPASS", "BYPASS"]);
        expect(await twice(det("hdr"), { "cache-control": "no-store" })).to.deep.equal(["BYPASS", "BYPASS"]);
        expect(await h.keys()).to.have.length(1);
    });

    it("honours cache-control: no-cache from the header", async () => {
        await (await h.post(det("hn"))).text();
        await h.app.store.flush();
        const res = await h.post(det("hn"), { "cache-control": "no-cache" });
        expect(res.headers.get("x-cache-status")).to.equal("BYPASS");
    });

    it("uses cache.ttl, bounded, for the Redis expiry", async () => {
        await (await h.post(det("ttl", { cache: { ttl: 90 } }))).text();
        await h.app.store.flush();
        const [key] = await h.keys();
        expect(await h.redis.ttl(key)).to.be.within(89, 90 + h.config.staleSeconds);
        await (await h.post(det("ttl2", { cache: { ttl: 999999 } }))).text();
        await h.app.store.flush();
        const keys = await h.keys();
        const ttls = await Promise.all(keys.map((k) => h.redis.ttl(k)));
        expect(Math.max(...ttls)).to.be.at.most(900 + h.config.staleSeconds);
    });

    it("keeps namespaces apart", async () => {
        await (await h.post(det("ns", { cache: { namespace: "a" } }))).text();
        await h.app.store.flush();
        const b = await h.post(det("ns", { cache: { namespace: "b" } }));
        expect(b.headers.get("x-cache-status")).to.equal("MISS");
        const a = await h.post(det("ns", { cache: { namespace: "a" } }));
        expect(a.headers.get("x-cache-status")).to.equal("HIT");
    });

    it("sets the TTL from x-chat-context / metadata.context classes", async () => {
        const ttlOf = async (body: Record<string, unknown>, headers: Record<string, string> = {}) => {
            const before = new Set(await h.keys());
            await (await h.post(body, headers)).text();
            await h.app.store.flush();
            const key = (await h.keys()).find((k) => !before.has(k))!;
            return (await h.redis.ttl(key)) - h.config.staleSeconds;
        };
        expect(await ttlOf(det("infra"), { "x-chat-context": "infrastructure" })).to.be.within(59, 60);
        expect(await ttlOf(det("ceo", { metadata: { context: "ceo_deep_research" } }))).to.be.within(899, 900);
        h.fake.behave = () => ({ kind: "ok", content: "Revenue last quarter was 5M" });
        expect(await ttlOf(det("bi1"), { "x-chat-context": "business_intelligence" })).to.be.within(599, 600);
        h.fake.behave = () => ({ kind: "ok", content: "Today the pipeline is 5M" });
        expect(await ttlOf(det("bi2"), { "x-chat-context": "business_intelligence" })).to.be.within(119, 120);
        expect(await ttlOf(det("other"), { "x-chat-context": "whatever" })).to.be.within(299, 300);
    });

    it("only accepts entries younger than cache.s-maxage", async () => {
        await (await h.post(det("age"))).text();
        await h.app.store.flush();
        const [key] = await h.keys();
        const stored = JSON.parse((await h.redis.get(key))!);
        stored.storedAt -= 30000;
        await h.redis.set(key, JSON.stringify(stored), "EX", 300);
        h.app.store.forgetLocal(key.split(":").pop()!);
        const young = await h.post(det("age", { cache: { "s-maxage": 10 } }));
        expect(young.headers.get("x-cache-status")).to.equal("MISS");
        await h.app.store.flush();
        const ok = await h.post(det("age", { cache: { "s-maxage": 10 } }));
        expect(ok.headers.get("x-cache-status")).to.equal("HIT");
    });

    it("serves an expired entry as STALE when the upstream fails", async () => {
        await (await h.post(det("stale"))).text();
        await h.app.store.flush();
        const [key] = await h.keys();
        const stored = JSON.parse((await h.redis.get(key))!);
        stored.storedAt -= 301000;
        await h.redis.set(key, JSON.stringify(stored), "EX", 100);
        h.app.store.forgetLocal(key.split(":").pop()!);
        h.fake.behave = () => ({ kind: "error", status: 503 });
        const res = await h.post(det("stale"));
        expect(res.status).to.equal(200);
        expect(res.headers.get("x-cache-status")).to.equal("STALE");
        expect(Number(res.headers.get("age"))).to.be.at.least(300);
        expect((await jsonOf(res)).choices[0].message.content).to.equal("Answer #1");
        h.fake.behave = () => ({ kind: "error", status: 400 });
        const client = await h.post(det("stale"));
        expect(client.status).to.equal(400);
    });
});
