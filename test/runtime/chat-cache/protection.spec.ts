import { expect } from "chai";
import OpenAI from "openai";
import { det, detParams, metricValue, until, jsonOf, useHarness } from "./harness";

describe("chat-cache upstream protection", function () {
    const h = useHarness({ mode: "manual" });

    it("never runs more than UPSTREAM_MAX_CONCURRENCY upstream calls and queues the rest", async () => {
        await h.start({ UPSTREAM_MAX_CONCURRENCY: "3", UPSTREAM_MAX_QUEUE: "100" });
        h.fake.behave = () => ({ kind: "ok", delayMs: 60 });
        const all = await Promise.all(Array.from({ length: 12 }, (_, i) => h.post(det(`distinct ${i}`))));
        expect(all.every((r) => r.status === 200)).to.equal(true);
        expect(h.fake.calls).to.equal(12);
        expect(h.fake.maxInFlight).to.equal(3);
    });

    it("answers 429 with retry-after beyond UPSTREAM_MAX_QUEUE, and serves hits without a slot meanwhile", async () => {
        await h.start({ UPSTREAM_MAX_CONCURRENCY: "1", UPSTREAM_MAX_QUEUE: "1" });
        await (await h.post(det("cached before the storm"))).text();
        await h.app.store.flush();
        h.fake.behave = () => ({ kind: "hang" });
        const first = h.post(det("slot")).catch(() => undefined);
        await until(() => h.app.limiter.inFlight === 1, 2000, "slot taken");
        const queued = h.post(det("queued")).catch(() => undefined);
        await until(() => h.app.limiter.queued === 1, 2000, "queued");
        expect(await metricValue(h.registry, "upstream_queue_depth")).to.equal(1);
        expect(await metricValue(h.registry, "upstream_in_flight")).to.equal(1);
        const rejected = await h.post(det("rejected"));
        expect(rejected.status).to.equal(429);
        expect(rejected.headers.get("retry-after")).to.equal("1");
        expect((await jsonOf(rejected)).error).to.include({ type: "rate_limit_error", code: "upstream_queue_full" });
        expect(await metricValue(h.registry, "upstream_rejections_total", { reason: "queue_full" })).to.equal(1);
        const hit = await h.post(det("cached before the storm"));
        expect(hit.headers.get("x-cache-status")).to.equal("HIT");
        void first;
        void queued;
    });

    it("answers 504 in OpenAI's shape when the upstream hangs past UPSTREAM_TIMEOUT_MS", async () => {
        await h.start({ UPSTREAM_TIMEOUT_MS: "300" });
        h.fake.behave = () => ({ kind: "hang" });
        let caught: unknown;
        try {
            await h.client().chat.completions.create(detParams("hang"));
        } catch (err) {
            caught = err;
        }
        expect(caught).to.be.instanceOf(OpenAI.InternalServerError);
        expect((caught as InstanceType<typeof OpenAI.APIError>).status).to.equal(504);
        expect((caught as InstanceType<typeof OpenAI.APIError>).code).to.equal("upstream_timeout");
        expect(await metricValue(h.registry, "upstream_rejections_total", { reason: "timeout" })).to.equal(1);
        await until(() => h.fake.inFlight === 0, 2000, "upstream connection closed");
        expect(h.app.limiter.inFlight).to.equal(0);
    });

    it("passes upstream 4xx/5xx through with body, status and retry/rate-limit headers", async () => {
        await h.start();
        h.fake.behave = () => ({
            kind: "error",
            status: 429,
            body: {
                error: { message: "slow down", type: "rate_limit_error", param: null, code: "rate_limit_exceeded" },
            },
            headers: {
                "retry-after": "7",
                "x-ratelimit-remaining-requests": "0",
                "x-ratelimit-reset-requests": "7s",
                "set-cookie": "no=leak",
            },
        });
        const res = await h.post(det("limited"));
        expect(res.status).to.equal(429);
        expect(res.headers.get("retry-after")).to.equal("7");
        expect(res.headers.get("x-ratelimit-remaining-requests")).to.equal("0");
        expect(res.headers.get("x-ratelimit-reset-requests")).to.equal("7s");
        expect(res.headers.get("set-cookie")).to.equal(null);
        expect(await jsonOf(res)).to.deep.equal({
            error: { message: "slow down", type: "rate_limit_error", param: null, code: "rate_limit_exceeded" },
        });
        h.fake.behave = () => ({
            kind: "error",
            status: 401,
            body: { error: { message: "bad key", type: "authentication_error", param: null, code: "invalid_api_key" } },
        });
        let caught: unknown;
        try {
            await h.client().chat.completions.create(detParams("auth"));
        } catch (err) {
            caught = err;
        }
        expect(caught).to.be.instanceOf(OpenAI.AuthenticationError);
    });

    it("answers 502 when the upstream is unreachable", async () => {
        await h.start({ UPSTREAM_BASE_URL: "http://127.0.0.1:9/v1" });
        const res = await h.post(det("nobody home"));
        expect(res.status).to.equal(502);
        expect((await jsonOf(res)).error.code).to.equal("upstream_unreachable");
    });

    it("uses UPSTREAM_API_KEY instead of the client's key when set", async () => {
        await h.start({ UPSTREAM_API_KEY: "sk-upstream-secret" });
        await (await h.post(det("k"), { authorization: "Bearer sk-client" })).text();
        expect(h.fake.requests[0].headers.authorization).to.equal("Bearer sk-upstream-secret");
    });
});
