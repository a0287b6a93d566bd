import { expect } from "chai";
import { cacheKey, canonicalJSON, EXCLUDED_FIELDS, keyMaterial, tenantOf } from "../../../runtime/chat-cache/src/key";
import type { ChatRequest } from "../../../runtime/chat-cache/src/request";
import { defaultRules } from "../../../runtime/chat-cache/src/rules";

const rules = defaultRules();
const tenant = tenantOf("Bearer sk-a", undefined);
const base = (): ChatRequest => ({
    model: "gpt-4o-mini",
    temperature: 0,
    messages: [{ role: "user", content: "Hello" }],
});
const key = (body: ChatRequest, t = tenant, r = rules) => cacheKey({ tenant: t, body, rules: r });

describe("cacheKey", () => {
    it("is a 64-hex SHA-256 that does not contain the prompt", () => {
        const k = key({ ...base(), messages: [{ role: "user", content: "secret prompt" }] });
        expect(k).to.match(/^[0-9a-f]{64}$/);
        expect(canonicalJSON(keyMaterial({ tenant, body: base(), rules }))).not.to.include("sk-a");
    });

    it("does not depend on field order", () => {
        const a = key({
            model: "m",
            temperature: 0,
            messages: [{ role: "user", content: "x", name: "n" }],
        } as ChatRequest);
        const b = key({
            messages: [{ name: "n", content: "x", role: "user" }],
            temperature: 0,
            model: "m",
        } as ChatRequest);
        expect(a).to.equal(b);
    });

    it("fills OpenAI defaults (temperature 1, top_p 1, n 1) and treats null as absent", () => {
        const noDefaults = { model: "m", messages: [{ role: "user", content: "x" }] } as ChatRequest;
        expect(key(noDefaults)).to.equal(key({ ...noDefaults, temperature: 1, top_p: 1, n: 1 }));
        expect(key(noDefaults)).to.equal(
            key({ ...noDefaults, temperature: null, seed: null } as unknown as ChatRequest),
        );
        expect(key(noDefaults)).not.to.equal(key({ ...noDefaults, temperature: 0 }));
    });

    it("separates tenants, x-tenant-id partitions and namespaces", () => {
        expect(key(base(), tenantOf("Bearer sk-a", undefined))).not.to.equal(
            key(base(), tenantOf("Bearer sk-b", undefined)),
        );
        expect(key(base(), tenantOf("Bearer sk-a", "t1"))).not.to.equal(key(base(), tenantOf("Bearer sk-a", "t2")));
        // A tenant header never joins another API key's partition.
        expect(key(base(), tenantOf("Bearer sk-a", "t1"))).not.to.equal(key(base(), tenantOf("Bearer sk-b", "t1")));
        expect(cacheKey({ tenant, body: base(), rules, namespace: "a" })).not.to.equal(
            cacheKey({ tenant, body: base(), rules, namespace: "b" }),
        );
    });

    const changes: Array<[string, Record<string, unknown>]> = [
        ["model", { model: "gpt-4o" }],
        ["message role", { messages: [{ role: "system", content: "Hello" }] }],
        ["message name", { messages: [{ role: "user", content: "Hello", name: "bob" }] }],
        ["tool_call_id", { messages: [{ role: "tool", content: "Hello", tool_call_id: "call_1" }] }],
        [
            "assistant tool_calls",
            {
                messages: [
                    {
                        role: "assistant",
                        content: null,
                        tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{}" } }],
                    },
                ],
            },
        ],
        ["tools", { tools: [{ type: "function", function: { name: "f", parameters: {} } }] }],
        ["tool_choice", { tool_choice: "required" }],
        ["parallel_tool_calls", { parallel_tool_calls: false }],
        ["response_format", { response_format: { type: "json_object" } }],
        ["max_tokens", { max_tokens: 10 }],
        ["max_completion_tokens", { max_completion_tokens: 10 }],
        ["stop", { stop: ["\n"] }],
        ["seed", { seed: 7 }],
        ["n", { n: 2 }],
        ["top_p", { top_p: 0.5 }],
        ["presence_penalty", { presence_penalty: 0.5 }],
        ["frequency_penalty", { frequency_penalty: 0.5 }],
        ["logit_bias", { logit_bias: { "50256": -100 } }],
        ["logprobs", { logprobs: true }],
        ["top_logprobs", { top_logprobs: 2 }],
        ["reasoning_effort", { reasoning_effort: "low" }],
        ["a provider field such as top_k", { top_k: 5 }],
    ];
    for (const [name, patch] of changes) {
        it(`changes when ${name} changes`, () => {
            expect(key({ ...base(), ...patch } as ChatRequest)).not.to.equal(key(base()));
        });
    }

    it("ignores stream, stream_options, metadata, store, user and the cache controls", () => {
        expect([...EXCLUDED_FIELDS].sort()).to.deep.equal([
            "cache",
            "metadata",
            "store",
            "stream",
            "stream_options",
            "user",
        ]);
        const k = key({
            ...base(),
            stream: true,
            stream_options: { include_usage: true },
            metadata: { a: "1" },
            store: true,
            user: "u",
            cache: { ttl: 60 },
        });
        expect(k).to.equal(key(base()));
    });

    it("collapses whitespace runs in user/system text but not in assistant text", () => {
        expect(key({ ...base(), messages: [{ role: "user", content: "  Hello \n\t world " }] })).to.equal(
            key({ ...base(), messages: [{ role: "user", content: "Hello world" }] }),
        );
        expect(key({ ...base(), messages: [{ role: "user", content: [{ type: "text", text: " a   b" }] }] })).to.equal(
            key({ ...base(), messages: [{ role: "user", content: [{ type: "text", text: "a b" }] }] }),
        );
        expect(key({ ...base(), messages: [{ role: "assistant", content: "a  b" }] })).not.to.equal(
            key({ ...base(), messages: [{ role: "assistant", content: "a b" }] }),
        );
    });

    it("strips polite prefixes only when the rule is switched on", () => {
        const polite = { ...base(), messages: [{ role: "user", content: "Please summarise the report" }] };
        const plain = { ...base(), messages: [{ role: "user", content: "summarise the report" }] };
        expect(key(polite)).not.to.equal(key(plain));
        const optIn = { ...rules, stripPolitePrefixes: true };
        expect(key(polite, tenant, optIn)).to.equal(key(plain, tenant, optIn));
        expect(
            key({ ...base(), messages: [{ role: "user", content: "Could you, summarise the report" }] }, tenant, optIn),
        ).to.equal(key(plain, tenant, optIn));
    });

    it("resolves model aliases from the rules", () => {
        const aliased = { ...rules, modelAliases: { "gpt-4o-latest": "gpt-4o" } };
        expect(key({ ...base(), model: "gpt-4o-latest" }, tenant, aliased)).to.equal(
            key({ ...base(), model: "gpt-4o" }, tenant, aliased),
        );
    });
});
