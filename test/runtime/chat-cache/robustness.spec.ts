import { expect } from "chai";
import net from "node:net";
import OpenAI from "openai";
import pino from "pino";
import { Writable } from "node:stream";
import { startRedis, type RedisServer } from "../../support/redisServer";
import { det, detParams, detStream, jsonOf, startHarness, until, useHarness } from "./harness";

/** JSON text nested `levels` deep: `{"a":{"a":...}}`, about 6 bytes per level. */
function deepObject(levels: number): string {
    return '{"a":'.repeat(levels) + "1" + "}".repeat(levels);
}

/** Sends raw bytes on a fresh connection and returns what came back before the server closed it. */
function rawExchange(port: number, bytes: string, closeAfterMs = 5000): Promise<string> {
    return new Promise((resolve) => {
        const sock = net.connect(port, "127.0.0.1");
        let got = "";
        const timer = setTimeout(() => sock.destroy(), closeAfterMs);
        sock.on("data", (d) => (got += d.toString("latin1")));
        sock.on("close", () => {
            clearTimeout(timer);
            resolve(got);
        });
        sock.on("error", () => undefined);
        sock.write(bytes);
    });
}

/** Status code and parsed JSON body of a raw HTTP/1.1 response. */
function parseRaw(text: string): { status: number; body: any } {
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
    const split = text.indexOf("\r\n\r\n");
    let body: unknown;
    try {
        body = JSON.parse(text.slice(split + 4));
    } catch {
        body = undefined;
    }
    return { status, body };
}

const portOf = (url: string) => Number(new URL(url).port);

describe("chat-cache robustness", function () {
    describe("no input can wedge a key", function () {
        const h = useHarness();

        it("refuses a body nested thousands of levels deep (in a field left out of the key) and the key keeps working", async () => {
            const hostile = `{"model":"gpt-4o-mini","temperature":0,"messages":[{"role":"user","content":"wedge"}],"metadata":{"x":${deepObject(2000)}}}`;
            expect(hostile.length).to.be.within(10000, 14000);
            const refused = await h.post(hostile);
            expect(refused.status).to.equal(400);
            expect((await jsonOf(refused)).error).to.include({ type: "invalid_request_error" });
            // The same prompt, without the hostile field, for the same (anonymous and named) tenants, answers at once.
            const ok = await h.client().chat.completions.create(detParams("wedge"));
            expect(ok.choices[0].message.content).to.equal("Answer #1");
            const anon = await h.post(det("wedge"), { authorization: "" });
            expect(anon.status).to.equal(200);
            expect(h.fake.calls).to.equal(2);
        });

        it("refuses deep nesting inside the keyed messages too, before anything is shared", async () => {
            const hostile = `{"model":"m","temperature":0,"messages":[{"role":"user","content":[${deepObject(3000)}]}]}`;
            const all = await Promise.all(Array.from({ length: 5 }, () => h.post(hostile)));
            for (const r of all) expect(r.status).to.equal(400);
            expect(h.fake.calls).to.equal(0);
        });

        it("settles leader and followers when the upstream answer cannot be processed, then serves the key again", async () => {
            h.fake.behave = (_r, call) =>
                call === 1
                    ? {
                          kind: "raw",
                          delayMs: 100,
                          body: `{"id":"x","object":"chat.completion","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"hi","extra":${deepObject(5000)}}}]}`,
                      }
                    : undefined;
            const all = await Promise.all([
                h.post(det("poisoned answer")),
                h.post(det("poisoned answer")),
                h.post(det("poisoned answer", { stream: true })),
            ]);
            expect(all.map((r) => r.status)).to.deep.equal([502, 502, 502]);
            for (const r of all) expect((await jsonOf(r)).error.code).to.equal("upstream_bad_response");
            const again = await h.client().chat.completions.create(detParams("poisoned answer"));
            expect(again.choices[0].message.content).to.equal("Answer #2");
        });

        it("fails a stream whose chunk is not a chat.completion.chunk without taking the process down", async () => {
            h.fake.behave = (_r, call) =>
                call === 1
                    ? {
                          kind: "raw",
                          contentType: "text/event-stream",
                          body: 'data: {"id":"x","object":"chat.completion.chunk","choices":5}\n\ndata: [DONE]\n\n',
                      }
                    : undefined;
            let caught: unknown;
            try {
                const s = await h.client().chat.completions.create(detStream("odd chunk"));
                for await (const c of s) void c;
            } catch (err) {
                caught = err;
            }
            expect(caught).to.be.instanceOf(OpenAI.APIError);
            const again = await h.client().chat.completions.create(detParams("odd chunk"));
            expect(again.choices[0].message.content).to.equal("Answer #2");
        });
    });

    describe("input bounds (400 in OpenAI's shape, never upstream)", function () {
        const h = useHarness({ mode: "once" });
        const msg = [{ role: "user", content: "x" }];
        const cases: Array<[string, unknown, string]> = [
            ["max_tokens: 1e308", { model: "m", messages: msg, max_tokens: 1e308 }, "max_tokens"],
            ["n: 1e30", { model: "m", messages: msg, n: 1e30 }, "n"],
            ["n: 129", { model: "m", messages: msg, n: 129 }, "n"],
            ["temperature: 2.5", { model: "m", messages: msg, temperature: 2.5 }, "temperature"],
            ["top_p: 1.5", { model: "m", messages: msg, top_p: 1.5 }, "top_p"],
            ["presence_penalty: -3", { model: "m", messages: msg, presence_penalty: -3 }, "presence_penalty"],
            ["top_logprobs: 21", { model: "m", messages: msg, top_logprobs: 21 }, "top_logprobs"],
            ["a seed beyond 2^53", { model: "m", messages: msg, seed: 2 ** 60 }, "seed"],
            ["2049 messages", { model: "m", messages: Array.from({ length: 2049 }, () => msg[0]) }, "messages"],
            [
                "129 tools",
                {
                    model: "m",
                    messages: msg,
                    tools: Array.from({ length: 129 }, (_, i) => ({ type: "function", function: { name: `f${i}` } })),
                },
                "tools",
            ],
            ["5 stop sequences", { model: "m", messages: msg, stop: ["a", "b", "c", "d", "e"] }, "stop"],
            ["a logit_bias of 101", { model: "m", messages: msg, logit_bias: { "1": 101 } }, "logit_bias"],
            [
                "17 metadata pairs",
                {
                    model: "m",
                    messages: msg,
                    metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"])),
                },
                "metadata",
            ],
            ["a 300-character model", { model: "m".repeat(300), messages: msg }, "model"],
        ];
        for (const [name, body, param] of cases) {
            it(`refuses ${name}`, async () => {
                const res = await h.post(body);
                expect(res.status).to.equal(400);
                expect((await jsonOf(res)).error).to.include({ type: "invalid_request_error", param });
                expect(h.fake.calls).to.equal(0);
            });
        }

        it("answers 415 for bodies that are not JSON", async () => {
            for (const type of ["text/plain", "application/x-www-form-urlencoded"]) {
                const res = await h.post(det("x"), { "content-type": type });
                expect(res.status).to.equal(415);
                expect((await jsonOf(res)).error.code).to.equal("unsupported_media_type");
            }
            const charset = await h.post(det("charset ok"), { "content-type": "application/json; charset=utf-8" });
            expect(charset.status).to.equal(200);
        });
    });

    describe("parser-level errors and slow clients", function () {
        const h = useHarness({ mode: "once", env: { HEADERS_TIMEOUT_MS: "500", BODY_TIMEOUT_MS: "500" } });

        it("answers 431 in OpenAI's JSON shape for oversized headers", async () => {
            const text = await rawExchange(
                portOf(h.url),
                `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nx-big: ${"a".repeat(20000)}\r\n\r\n`,
            );
            const { status, body } = parseRaw(text);
            expect(status).to.equal(431);
            expect(body.error).to.include({ type: "invalid_request_error", code: "request_header_fields_too_large" });
        });

        it("answers 400 in JSON for a bad content-length and for broken chunked encoding", async () => {
            for (const bytes of [
                "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-length: nope\r\n\r\n",
                "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nabc\r\n",
            ]) {
                const { status, body } = parseRaw(await rawExchange(portOf(h.url), bytes));
                expect(status).to.equal(400);
                expect(body.error).to.include({ type: "invalid_request_error", code: "malformed_request" });
            }
        });

        it("cuts off a client that stalls mid-body with 408 after BODY_TIMEOUT_MS", async () => {
            const t0 = Date.now();
            const text = await rawExchange(
                portOf(h.url),
                'POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"model":',
            );
            const { status, body } = parseRaw(text);
            expect(status).to.equal(408);
            expect(body.error.code).to.equal("request_timeout");
            expect(Date.now() - t0).to.be.below(4000);
        });

        it("cuts off a client that stalls in the headers with 408 after HEADERS_TIMEOUT_MS", async () => {
            const t0 = Date.now();
            const text = await rawExchange(portOf(h.url), "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\n");
            expect(parseRaw(text).status).to.equal(408);
            expect(Date.now() - t0).to.be.below(4000);
        });
    });

    describe("client error logging", function () {
        let redisServer: RedisServer;
        before(async () => {
            redisServer = await startRedis();
        });
        after(async () => {
            await redisServer.close();
        });

        it("logs client mistakes at info, rate-limited, without stack traces", async () => {
            const lines: Array<Record<string, unknown>> = [];
            const sink = new Writable({
                write(chunk: Buffer, _enc, cb) {
                    for (const l of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(l));
                    cb();
                },
            });
            const h = await startHarness(redisServer, {}, {}, undefined, pino({ level: "info" }, sink));
            try {
                for (let i = 0; i < 60; i++) await (await h.post("{not json")).text();
                const hostile = `{"model":"m","messages":[{"role":"user","content":"x"}],"metadata":{"x":${deepObject(3000)}}}`;
                for (let i = 0; i < 5; i++) await (await h.post(hostile)).text();
                await until(() => lines.length > 0, 2000, "log lines");
                const refused = lines.filter((l) => l.msg === "request refused");
                expect(refused.length).to.be.within(1, 20);
                expect(
                    lines.some((l) => l.level === 50 || l.level === 60),
                    "no error-level lines",
                ).to.equal(false);
                expect(
                    lines.some((l) => "stack" in l),
                    "no stack traces",
                ).to.equal(false);
            } finally {
                await h.close();
            }
        });
    });
});
