import { expect } from "chai";
import OpenAI from "openai";
import { det, jsonOf, useHarness } from "./harness";

describe("chat-cache bad input", function () {
    const h = useHarness({ mode: "once", env: { MAX_BODY_BYTES: "4096" } });

    const cases: Array<[string, unknown, string | null]> = [
        ["invalid JSON", "{not json", null],
        ["a JSON array", "[]", null],
        ["a missing model", { messages: [{ role: "user", content: "x" }] }, "model"],
        ["a non-string model", { model: 5, messages: [{ role: "user", content: "x" }] }, "model"],
        ["missing messages", { model: "m" }, "messages"],
        ["messages that are not an array", { model: "m", messages: "hi" }, "messages"],
        [
            "a message without a valid role",
            { model: "m", messages: [{ role: "wizard", content: "x" }] },
            "messages[0].role",
        ],
        ["a numeric content", { model: "m", messages: [{ role: "user", content: 5 }] }, "messages[0].content"],
        [
            "a string temperature",
            { model: "m", temperature: "hot", messages: [{ role: "user", content: "x" }] },
            "temperature",
        ],
        ["a fractional n", { model: "m", n: 1.5, messages: [{ role: "user", content: "x" }] }, "n"],
        ["a non-boolean stream", { model: "m", stream: "yes", messages: [{ role: "user", content: "x" }] }, "stream"],
        ["an unknown cache control", det("x", { cache: { "drop-tables": true } }), "cache.drop-tables"],
        ["a negative cache ttl", det("x", { cache: { ttl: -1 } }), "cache.ttl"],
    ];
    for (const [name, body, param] of cases) {
        it(`answers 400 in OpenAI's error shape for ${name}`, async () => {
            const res = await h.post(body);
            expect(res.status).to.equal(400);
            const json = await jsonOf(res);
            expect(json.error).to.include({ type: "invalid_request_error", param });
            expect(json.error.message).to.be.a("string").and.not.equal("");
            expect(res.headers.get("x-request-id")).to.be.a("string");
        });
    }

    it("surfaces as BadRequestError in the official client and never reaches the upstream", async () => {
        const before = h.fake.calls;
        let caught: unknown;
        try {
            await h.client().chat.completions.create({ model: "m", messages: "nope" } as never);
        } catch (err) {
            caught = err;
        }
        expect(caught).to.be.instanceOf(OpenAI.BadRequestError);
        expect((caught as InstanceType<typeof OpenAI.BadRequestError>).param).to.equal("messages");
        expect(h.fake.calls).to.equal(before);
    });

    it("answers 413 for a body over MAX_BODY_BYTES (declared or streamed)", async () => {
        const big = det("x".repeat(5000));
        const res = await h.post(big);
        expect(res.status).to.equal(413);
        expect((await jsonOf(res)).error.code).to.equal("request_too_large");
    });

    it("answers 404 for unknown paths and 405 for the wrong method", async () => {
        const nf = await fetch(`${h.url}/v1/embeddings`, { method: "POST", body: "{}" });
        expect(nf.status).to.equal(404);
        expect((await jsonOf(nf)).error.type).to.equal("invalid_request_error");
        const wm = await fetch(`${h.url}/v1/chat/completions`);
        expect(wm.status).to.equal(405);
    });

    it("keeps serving after a burst of garbage", async () => {
        await Promise.all(Array.from({ length: 20 }, (_, i) => h.post(i % 2 ? "\u0000\u0001" : '{"model":')));
        const ok = await h.post(det("still alive"));
        expect(ok.status).to.equal(200);
    });
});
