import { expect } from "chai";
import { startRedis } from "../../support/redisServer";
import { det, detParams, metricValue, startHarness, until, jsonOf, useHarness } from "./harness";

describe("chat-cache proxy", function () {
    const h = useHarness();

    describe("POST /v1/chat/completions", () => {
        it("answers a miss from the upstream, then the same request from the cache through the official client", async () => {
            const client = h.client();
            const first = await client.chat.completions
                .create({ model: "gpt-4o-mini", temperature: 0, messages: [{ role: "user", content: "What is 2+2?" }] })
                .withResponse();
            expect(first.response.headers.get("x-cache-status")).to.equal("MISS");
            expect(first.response.headers.get("x-request-id")).to.match(/^[0-9a-f-]{36}$/);
            expect(first.data.choices[0].message.content).to.equal("Answer #1");
            await until(async () => (await h.keys()).length === 1, 2000, "redis write");

            const second = await client.chat.completions
                .create({ model: "gpt-4o-mini", temperature: 0, messages: [{ role: "user", content: "What is 2+2?" }] })
                .withResponse();
            expect(second.response.headers.get("x-cache-status")).to.equal("HIT");
            expect(second.response.headers.get("age")).to.match(/^\d+$/);
            expect(second.data.choices[0].message.content).to.equal("Answer #1");
            expect(second.data.id).to.equal(first.data.id);
            expect(h.fake.calls).to.equal(1);
            expect(await metricValue(h.registry, "cache_requests_total", { result: "hit" })).to.equal(1);
            expect(await metricValue(h.registry, "cache_requests_total", { result: "miss" })).to.equal(1);
            expect(await metricValue(h.registry, "cache_saved_tokens_total")).to.equal(21);
        });

        it("serves a hit from Redis when the local tier does not have it (another replica wrote it)", async () => {
            await h.post(det("shared across replicas"));
            await until(async () => (await h.keys()).length === 1, 2000, "redis write");
            const other = await startHarness(h.redisServer, { CACHE_KEY_PREFIX: h.config.keyPrefix }, {}, h.fake);
            try {
                const res = await other.post(det("shared across replicas"));
                expect(res.headers.get("x-cache-status")).to.equal("HIT");
                expect((await jsonOf(res)).choices[0].message.content).to.equal("Answer #1");
                expect(await metricValue(other.registry, "cache_lookup_duration_seconds", {})).to.be.greaterThan(0);
            } finally {
                await other.close();
            }
            expect(h.fake.calls).to.equal(1);
        });

        it("never shares an entry between two tenants (API keys)", async () => {
            const a = await h.client("sk-tenant-a").chat.completions.create(detParams("same prompt")).withResponse();
            const b = await h.client("sk-tenant-b").chat.completions.create(detParams("same prompt")).withResponse();
            expect(a.response.headers.get("x-cache-status")).to.equal("MISS");
            expect(b.response.headers.get("x-cache-status")).to.equal("MISS");
            expect(h.fake.calls).to.equal(2);
            const a2 = await h.client("sk-tenant-a").chat.completions.create(detParams("same prompt")).withResponse();
            expect(a2.response.headers.get("x-cache-status")).to.equal("HIT");
            expect(
                (a2.data as { choices: Array<{ message: { content: string } }> }).choices[0].message.content,
            ).to.equal("Answer #1");
        });

        it("partitions by x-tenant-id inside one API key", async () => {
            await h.post(det("q"), { "x-tenant-id": "acme" });
            const other = await h.post(det("q"), { "x-tenant-id": "globex" });
            expect(other.headers.get("x-cache-status")).to.equal("MISS");
            const same = await h.post(det("q"), { "x-tenant-id": "acme" });
            expect(same.headers.get("x-cache-status")).to.equal("HIT");
        });

        it("keeps prompt text and API keys out of Redis keys", async () => {
            await h.post(det("the secret launch codes are 1234"), { authorization: "Bearer sk-very-secret-key" });
            await until(async () => (await h.keys()).length === 1, 2000, "redis write");
            const [key] = await h.keys();
            expect(key).to.match(new RegExp(`^${h.config.keyPrefix}:v1:[0-9a-f]{64}$`));
            const value = (await h.redis.get(key)) as string;
            expect(value).not.to.include("launch codes");
            expect(value).not.to.include("sk-very-secret-key");
            expect(await h.redis.ttl(key)).to.be.within(300, 300 + h.config.staleSeconds);
        });

        it("strips the proxy's `cache` field before forwarding and keeps everything else", async () => {
            await h.post(det("x", { cache: { ttl: 120, namespace: "n1" }, user: "u-1", metadata: { a: "b" } }));
            const sent = h.fake.requests[0].body;
            expect(sent).not.to.have.property("cache");
            expect(sent).to.include({ user: "u-1", temperature: 0, model: "gpt-4o-mini" });
            expect(sent.metadata).to.deep.equal({ a: "b" });
        });

        it("normalises whitespace for the key only: the upstream gets the text as sent", async () => {
            await (await h.post(det("  What   is\n the  answer? "))).text();
            await h.app.store.flush();
            const hit = await h.post(det("What is the answer?"));
            expect(hit.headers.get("x-cache-status")).to.equal("HIT");
            expect(h.fake.requests[0].body.messages[0].content).to.equal("  What   is\n the  answer? ");
        });

        it("forwards the client's Authorization when UPSTREAM_API_KEY is unset", async () => {
            await h.post(det("x"), { authorization: "Bearer sk-client" });
            expect(h.fake.requests[0].headers.authorization).to.equal("Bearer sk-client");
        });
    });

    describe("Redis with a password", () => {
        it("authenticates with REDIS_PASSWORD_FILE and caches", async () => {
            const { mkdtempSync, writeFileSync } = await import("node:fs");
            const { join } = await import("node:path");
            const { tmpdir } = await import("node:os");
            const secured = await startRedis("redis-server", ["--requirepass", "s3cret-pw"]);
            const dir = mkdtempSync(join(tmpdir(), "chat-cache-pw-"));
            writeFileSync(join(dir, "pw"), "s3cret-pw\n");
            const withAuth = await startHarness(secured, { REDIS_PASSWORD_FILE: join(dir, "pw") });
            try {
                await until(() => withAuth.redis.status === "ready", 3000, "authenticated redis");
                await (await withAuth.post(det("auth"))).text();
                await withAuth.app.store.flush();
                expect(await withAuth.keys()).to.have.length(1);
                expect(await metricValue(withAuth.registry, "redis_errors_total")).to.equal(0);
            } finally {
                await withAuth.close();
                await secured.close();
            }
        });
    });

    describe("pass-through endpoints", () => {
        it("GET /v1/models comes from the upstream", async () => {
            const models = await h.client().models.list();
            expect(models.data.map((m) => m.id)).to.deep.equal(["fake-model"]);
        });

        it("GET /healthz answers without touching Redis or the upstream", async () => {
            await h.redisServer.stop();
            try {
                const res = await fetch(`${h.url}/healthz`);
                expect(res.status).to.equal(200);
            } finally {
                await h.redisServer.start();
            }
        });

        it("GET /readyz reports upstream and Redis state", async () => {
            await until(async () => h.redis.status === "ready", 3000, "redis ready");
            const res = await fetch(`${h.url}/readyz`);
            expect(res.status).to.equal(200);
            const body = await jsonOf(res);
            expect(body.upstream.up).to.equal(true);
            expect(body.redis.status).to.equal("ready");
            expect(body.redis.circuit).to.equal("closed");
        });

        it("GET /readyz is 503 when the upstream is unreachable", async () => {
            const lone = await startHarness(h.redisServer, { UPSTREAM_BASE_URL: "http://127.0.0.1:9/v1" });
            try {
                const res = await fetch(`${lone.url}/readyz`);
                expect(res.status).to.equal(503);
                expect((await jsonOf(res)).upstream.up).to.equal(false);
            } finally {
                await lone.close();
            }
        });

        it("GET /metrics exposes the cache metrics in Prometheus text format", async () => {
            await h.post(det("m"));
            const text = await (await fetch(`${h.url}/metrics`)).text();
            for (const name of [
                "cache_requests_total",
                "cache_lookup_duration_seconds",
                "upstream_request_duration_seconds",
                "upstream_time_to_first_token_seconds",
                "upstream_in_flight",
                "upstream_queue_depth",
                "upstream_rejections_total",
                "redis_errors_total",
                "redis_circuit_open",
                "redis_up",
                "cache_saved_tokens_total",
            ]) {
                expect(text).to.include(`# TYPE ${name} `);
            }
            expect(text).to.match(/cache_requests_total\{result="miss",ttl_class="default"\} 1/);
            expect(text).not.to.include("sk-test-tenant-a");
        });
    });
});
