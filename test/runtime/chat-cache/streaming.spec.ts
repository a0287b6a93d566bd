import { expect } from "chai";
import { APIError } from "openai";
import { det, detParams, detStream, until, useHarness } from "./harness";

/** Reads an SSE response into its data payloads. */
async function sseData(res: Response): Promise<string[]> {
    const text = await res.text();
    return text
        .split("\n\n")
        .filter((e) => e.startsWith("data: "))
        .map((e) => e.slice(6));
}

describe("chat-cache streaming", function () {
    const h = useHarness();

    it("forwards a stream miss chunk by chunk before the upstream has finished", async () => {
        let open!: () => void;
        const gate = new Promise<void>((r) => (open = r));
        h.fake.behave = () => ({ kind: "ok", content: "streamed answer", gate });
        const stream = await h.client().chat.completions.create(detStream("stream me"));
        const it = stream[Symbol.asyncIterator]();
        const first = await it.next();
        const second = await it.next();
        // The upstream is still holding the rest of the answer behind the gate.
        expect(first.value.choices[0].delta.role).to.equal("assistant");
        expect(second.value.choices[0].delta.content).to.be.a("string").and.not.equal("");
        open();
        let text = second.value.choices[0].delta.content;
        for (let r = await it.next(); !r.done; r = await it.next()) text += r.value.choices[0]?.delta?.content ?? "";
        expect(text).to.equal("streamed answer");
    });

    it("replays a stream hit as proper SSE that the official client parses, with usage when asked", async () => {
        const content = async () => {
            const s = await h
                .client()
                .chat.completions.create(detStream("replay", { stream_options: { include_usage: true } }))
                .withResponse();
            let text = "";
            let usage: unknown = null;
            const ids = new Set<string>();
            for await (const chunk of s.data) {
                ids.add(chunk.id);
                text += chunk.choices[0]?.delta?.content ?? "";
                if (chunk.usage) usage = chunk.usage;
            }
            return { status: s.response.headers.get("x-cache-status"), text, usage, ids };
        };
        const miss = await content();
        await until(async () => (await h.keys()).length === 1, 2000, "redis write");
        const hit = await content();
        expect(miss.status).to.equal("MISS");
        expect(hit.status).to.equal("HIT");
        expect(hit.text).to.equal(miss.text).and.equal("Answer #1");
        expect(hit.usage).to.deep.equal({ prompt_tokens: 9, completion_tokens: 12, total_tokens: 21 });
        expect([...hit.ids]).to.deep.equal([...miss.ids]);
        expect(h.fake.calls).to.equal(1);
    });

    it("asks the upstream for usage on cacheable streams but does not pass it to a client that did not ask", async () => {
        const res = await h.post(det("no usage", { stream: true }));
        const events = await sseData(res);
        expect(h.fake.requests[0].body.stream_options).to.deep.equal({ include_usage: true });
        expect(events[events.length - 1]).to.equal("[DONE]");
        const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
        expect(chunks.some((c) => c.choices.length === 0)).to.equal(false);
    });

    it("serves a stream request from a non-stream entry and a non-stream request from a stream entry", async () => {
        const plain = await h.client().chat.completions.create(detParams("json first"));
        await until(async () => (await h.keys()).length === 1, 2000, "redis write");
        const s = await h.client().chat.completions.create(detStream("json first")).withResponse();
        expect(s.response.headers.get("x-cache-status")).to.equal("HIT");
        expect(s.response.headers.get("content-type")).to.include("text/event-stream");
        let text = "";
        for await (const c of s.data) text += c.choices[0]?.delta?.content ?? "";
        expect(text).to.equal(
            (plain as { choices: Array<{ message: { content: string } }> }).choices[0].message.content,
        );

        const streamed = await h.client().chat.completions.create(detStream("stream first"));
        let streamedText = "";
        for await (const c of streamed) streamedText += c.choices[0]?.delta?.content ?? "";
        await until(async () => (await h.keys()).length === 2, 2000, "redis write");
        const json = await h.client().chat.completions.create(detParams("stream first")).withResponse();
        expect(json.response.headers.get("x-cache-status")).to.equal("HIT");
        expect(json.data.choices[0].message.content).to.equal(streamedText);
        expect(json.data.object).to.equal("chat.completion");
        expect(h.fake.calls).to.equal(2);
    });

    it("assembles streamed tool calls and replays them", async () => {
        h.fake.behave = () => ({
            kind: "ok",
            toolCalls: [{ id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' }],
        });
        const body = detParams("weather?", {
            tools: [
                {
                    type: "function",
                    function: {
                        name: "get_weather",
                        parameters: { type: "object", properties: { city: { type: "string" } } },
                    },
                },
            ],
        });
        const s1 = await h.client().chat.completions.create({ ...body, stream: true });
        for await (const _ of s1) void _;
        await until(async () => (await h.keys()).length === 1, 2000, "redis write");
        const hit = await h.client().chat.completions.create(body).withResponse();
        expect(hit.response.headers.get("x-cache-status")).to.equal("HIT");
        expect(hit.data.choices[0].finish_reason).to.equal("tool_calls");
        expect(hit.data.choices[0].message.tool_calls).to.deep.equal([
            { id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
        ]);
        const replay = await h.client().chat.completions.create({ ...body, stream: true });
        let args = "";
        for await (const c of replay) args += c.choices[0]?.delta?.tool_calls?.[0]?.function?.arguments ?? "";
        expect(args).to.equal('{"city":"Paris"}');
    });

    it("sends a mid-stream upstream failure as an error event (the client throws) and does not cache it", async () => {
        h.fake.behave = () => ({ kind: "break", afterChunks: 2 });
        const stream = await h.client().chat.completions.create(detStream("break"));
        let caught: unknown;
        try {
            for await (const _ of stream) void _;
        } catch (err) {
            caught = err;
        }
        expect(caught).to.be.instanceOf(APIError);
        h.fake.behave = () => ({ kind: "stream-error", afterChunks: 2 });
        const res = await h.post(det("break", { stream: true }));
        const events = await sseData(res);
        expect(JSON.parse(events[events.length - 1])).to.have.property("error");
        expect(events).not.to.include("[DONE]");
        expect(await h.keys()).to.deep.equal([]);
        h.fake.behave = undefined;
        const after = await h.post(det("break"));
        expect(after.headers.get("x-cache-status")).to.equal("MISS");
    });
});
