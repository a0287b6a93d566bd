import { expect } from "chai";
import http from "node:http";
import { det, detParams, detStream, metricValue, until, jsonOf, useHarness } from "./harness";

describe("chat-cache coalescing", function () {
    const h = useHarness();

    it("makes exactly one upstream call for 50 concurrent identical misses", async () => {
        // Hold the upstream until the other 49 requests have joined the call. Counting requests that merely arrived
        // is not enough on a loaded machine: one still in its Redis lookup when the gate opened would see the answer
        // (a HIT) instead of joining the call.
        let open!: () => void;
        const gate = new Promise<void>((r) => (open = r));
        h.fake.behave = () => ({ kind: "ok", gate });
        const client = h.client();
        const pending = Promise.all(
            Array.from({ length: 50 }, () => client.chat.completions.create(detParams("hot prompt")).withResponse()),
        );
        await until(
            async () => (await metricValue(h.registry, "cache_coalesce_waiters")) === 49,
            20000,
            "49 requests waiting on the leader's call",
        );
        open();
        const results = await pending;
        expect(h.fake.calls).to.equal(1);
        const statuses = results.map((r) => r.response.headers.get("x-cache-status"));
        expect(statuses.filter((s) => s === "MISS")).to.have.length(1);
        expect(statuses.filter((s) => s === "COALESCED")).to.have.length(49);
        for (const r of results)
            expect(
                (r.data as { choices: Array<{ message: { content: string } }> }).choices[0].message.content,
            ).to.equal("Answer #1");
        expect(await metricValue(h.registry, "cache_requests_total", { result: "coalesced" })).to.equal(49);
        expect(await metricValue(h.registry, "cache_coalesce_waiters")).to.equal(0);
    });

    it("looks at the local tier again after its Redis lookup, so a call finishing meanwhile is not repeated", async () => {
        // Every Redis lookup is slowed down; the first call finishes while the second request waits on its lookup.
        h.fake.behave = () => ({ kind: "ok", delayMs: 30 });
        const redis = h.app.store as unknown as { redis: { get: (k: string) => Promise<string | null> } };
        const realGet = redis.redis.get.bind(redis.redis);
        redis.redis.get = async (k: string) => {
            await new Promise((r) => setTimeout(r, 150));
            return realGet(k);
        };
        try {
            const first = h.post(det("slow lookup"));
            await until(() => h.fake.calls === 1, 2000, "first call upstream");
            const second = await h.post(det("slow lookup"));
            expect(second.headers.get("x-cache-status")).to.equal("HIT");
            expect((await first).status).to.equal(200);
            expect(h.fake.calls).to.equal(1);
        } finally {
            redis.redis.get = realGet;
        }
    });

    it("gives streaming followers the buffered chunks, then live ones, and JSON followers the assembled answer", async () => {
        let open!: () => void;
        const gate = new Promise<void>((r) => (open = r));
        h.fake.behave = () => ({ kind: "ok", content: "shared streamed answer", gate, pieces: 4 });
        const client = h.client();
        const leader = await client.chat.completions.create(detStream("co-stream"));
        const it = leader[Symbol.asyncIterator]();
        await it.next();
        await it.next(); // leader has seen content; the upstream is paused behind the gate
        const followerStream = client.chat.completions.create(detStream("co-stream")).withResponse();
        const followerJson = client.chat.completions.create(detParams("co-stream")).withResponse();
        const fs = await followerStream;
        expect(fs.response.headers.get("x-cache-status")).to.equal("COALESCED");
        await until(() => h.app.activeRequests === 3, 2000, "both followers attached");
        open();
        let followerText = "";
        for await (const c of fs.data) followerText += c.choices[0]?.delta?.content ?? "";
        for (let r = await it.next(); !r.done; r = await it.next()) void r;
        const fj = await followerJson;
        expect(followerText).to.equal("shared streamed answer");
        expect(fj.response.headers.get("x-cache-status")).to.equal("COALESCED");
        expect((fj.data as { choices: Array<{ message: { content: string } }> }).choices[0].message.content).to.equal(
            "shared streamed answer",
        );
        expect(h.fake.calls).to.equal(1);
    });

    it("renders a JSON leader's answer as SSE for a streaming follower", async () => {
        h.fake.behave = () => ({ kind: "ok", delayMs: 150, content: "json led" });
        const client = h.client();
        const leader = client.chat.completions.create(detParams("json leader")).withResponse();
        await until(() => h.fake.calls === 1, 2000, "leader upstream call");
        const follower = await client.chat.completions.create(detStream("json leader")).withResponse();
        let text = "";
        for await (const c of follower.data) text += c.choices[0]?.delta?.content ?? "";
        expect(follower.response.headers.get("x-cache-status")).to.equal("COALESCED");
        expect(text).to.equal("json led");
        expect((await leader).response.headers.get("x-cache-status")).to.equal("MISS");
        expect(h.fake.calls).to.equal(1);
    });

    it("keeps the shared upstream call running when the leader disconnects while others wait", async () => {
        h.fake.behave = () => ({ kind: "ok", delayMs: 200 });
        const body = JSON.stringify(det("leader leaves"));
        const url = new URL(`${h.url}/v1/chat/completions`);
        const leaderReq = http.request(url, {
            method: "POST",
            headers: { "content-type": "application/json", authorization: "Bearer sk-test-tenant-a" },
        });
        leaderReq.on("error", () => undefined);
        leaderReq.end(body);
        await until(() => h.fake.calls === 1, 2000, "leader upstream call");
        const follower = h.post(det("leader leaves"));
        await new Promise((r) => setTimeout(r, 20));
        leaderReq.destroy();
        const res = await follower;
        expect(res.status).to.equal(200);
        expect(res.headers.get("x-cache-status")).to.equal("COALESCED");
        expect((await jsonOf(res)).choices[0].message.content).to.equal("Answer #1");
        expect(h.fake.calls).to.equal(1);
        await h.app.store.flush();
        expect(await h.keys()).to.have.length(1);
    });

    it("aborts the upstream call when every caller has gone", async () => {
        h.fake.behave = () => ({ kind: "hang" });
        // A caller that stays: its upstream call must keep running.
        void h.post(det("someone stays")).catch(() => undefined);
        await until(() => h.fake.inFlight === 1, 2000, "upstream call");
        const req = http.request(new URL(`${h.url}/v1/chat/completions`), {
            method: "POST",
            headers: { "content-type": "application/json" },
        });
        req.on("error", () => undefined);
        req.end(JSON.stringify(det("raw leaves")));
        await until(() => h.fake.inFlight === 2, 2000, "second upstream call");
        req.destroy();
        await until(() => h.fake.inFlight === 1, 2000, "upstream call aborted");
    });

    it("fans a leader failure out to followers and caches nothing", async () => {
        h.fake.behave = () => ({ kind: "error", status: 502, delayMs: 150, headers: { "retry-after": "3" } });
        const all = await Promise.all(Array.from({ length: 5 }, () => h.post(det("fails"))));
        expect(h.fake.calls).to.equal(1);
        for (const r of all) {
            expect(r.status).to.equal(502);
            expect(r.headers.get("retry-after")).to.equal("3");
        }
        await h.app.store.flush();
        expect(await h.keys()).to.deep.equal([]);
        h.fake.behave = undefined;
        const retry = await h.post(det("fails"));
        expect(retry.status).to.equal(200);
        expect(h.fake.calls).to.equal(2);
    });

    it("does not coalesce no-cache requests", async () => {
        h.fake.behave = () => ({ kind: "ok", delayMs: 100 });
        const all = await Promise.all(
            Array.from({ length: 3 }, () => h.post(det("fresh please", { cache: { "no-cache": true } }))),
        );
        expect(all.map((r) => r.headers.get("x-cache-status"))).to.deep.equal(["BYPASS", "BYPASS", "BYPASS"]);
        expect(h.fake.calls).to.equal(3);
    });
});
