/** A `chat.completion` object (the canonical, non-stream form stored in the cache). */
export type Completion = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const CACHEABLE_FINISH = new Set(["stop", "tool_calls"]);

/** True when every choice finished cleanly and produced output (text, refusal or tool calls). */
export function isCacheableCompletion(c: Completion): boolean {
    if (!c || !Array.isArray(c.choices) || c.choices.length === 0) return false;
    return c.choices.every((ch: Completion) => {
        if (!CACHEABLE_FINISH.has(ch?.finish_reason)) return false;
        const m = ch.message ?? {};
        return (
            (typeof m.content === "string" && m.content.length > 0) ||
            (Array.isArray(m.tool_calls) && m.tool_calls.length > 0) ||
            !!m.refusal
        );
    });
}

/** All answer text, for the volatile-answer TTL rule. */
export function completionText(c: Completion): string {
    return (c.choices ?? [])
        .map((ch: Completion) => (typeof ch?.message?.content === "string" ? ch.message.content : ""))
        .join("\n");
}

interface ChoiceAcc {
    index: number;
    role: string;
    content: string | null;
    refusal: string | null;
    toolCalls: Array<{ id?: string; type: string; function: { name: string; arguments: string } }>;
    finishReason: string | null;
    logprobs: { content: unknown[] | null; refusal: unknown[] | null } | null;
}

/** Rebuilds a `chat.completion` from `chat.completion.chunk` objects, as they arrive. */
export class StreamAssembler {
    private head: Completion | undefined;
    private choices = new Map<number, ChoiceAcc>();
    private usage: unknown = undefined;

    add(chunk: Completion): void {
        if (!this.head) {
            this.head = { id: chunk.id, created: chunk.created, model: chunk.model };
            if (chunk.system_fingerprint !== undefined) this.head.system_fingerprint = chunk.system_fingerprint;
            if (chunk.service_tier !== undefined) this.head.service_tier = chunk.service_tier;
        }
        if (chunk.usage) this.usage = chunk.usage;
        for (const ch of chunk.choices ?? []) {
            const idx: number = ch.index ?? 0;
            let acc = this.choices.get(idx);
            if (!acc) {
                acc = {
                    index: idx,
                    role: "assistant",
                    content: null,
                    refusal: null,
                    toolCalls: [],
                    finishReason: null,
                    logprobs: null,
                };
                this.choices.set(idx, acc);
            }
            const d = ch.delta ?? {};
            if (typeof d.role === "string") acc.role = d.role;
            if (typeof d.content === "string") acc.content = (acc.content ?? "") + d.content;
            if (typeof d.refusal === "string") acc.refusal = (acc.refusal ?? "") + d.refusal;
            for (const tc of d.tool_calls ?? []) {
                const i: number = tc.index ?? 0;
                const t = (acc.toolCalls[i] ??= { type: "function", function: { name: "", arguments: "" } });
                if (tc.id) t.id = tc.id;
                if (tc.type) t.type = tc.type;
                if (tc.function?.name) t.function.name += tc.function.name;
                if (tc.function?.arguments) t.function.arguments += tc.function.arguments;
            }
            if (ch.logprobs) {
                acc.logprobs ??= { content: null, refusal: null };
                if (Array.isArray(ch.logprobs.content))
                    acc.logprobs.content = [...(acc.logprobs.content ?? []), ...ch.logprobs.content];
                if (Array.isArray(ch.logprobs.refusal))
                    acc.logprobs.refusal = [...(acc.logprobs.refusal ?? []), ...ch.logprobs.refusal];
            }
            if (ch.finish_reason) acc.finishReason = ch.finish_reason;
        }
    }

    /** True once every choice seen has a finish reason. */
    finished(): boolean {
        return this.choices.size > 0 && [...this.choices.values()].every((c) => c.finishReason !== null);
    }

    /** The assembled completion. */
    result(): Completion {
        const choices = [...this.choices.values()]
            .sort((a, b) => a.index - b.index)
            .map((c) => {
                const message: Completion = { role: c.role, content: c.content, refusal: c.refusal };
                if (c.toolCalls.length > 0) message.tool_calls = c.toolCalls.filter(Boolean);
                return { index: c.index, message, logprobs: c.logprobs, finish_reason: c.finishReason };
            });
        const out: Completion = { ...this.head, object: "chat.completion", choices };
        if (this.usage) out.usage = this.usage;
        return out;
    }
}

/**
 * Renders a stored completion as the SSE body a streaming client expects: role chunk, content / refusal / tool-call
 * deltas, finish chunk, usage chunk when asked for, `[DONE]`. Keeps the stored `id`, `created` and fingerprint.
 */
export function renderStream(c: Completion, includeUsage: boolean): string {
    const base: Completion = { id: c.id, object: "chat.completion.chunk", created: c.created, model: c.model };
    if (c.system_fingerprint !== undefined) base.system_fingerprint = c.system_fingerprint;
    if (c.service_tier !== undefined) base.service_tier = c.service_tier;
    const usageField = includeUsage ? { usage: null } : {};
    const events: string[] = [];
    const push = (choices: unknown[], extra: Completion = usageField) =>
        events.push(`data: ${JSON.stringify({ ...base, choices, ...extra })}\n\n`);
    for (const ch of c.choices ?? []) {
        const m = ch.message ?? {};
        const index = ch.index ?? 0;
        push([{ index, delta: { role: m.role ?? "assistant", content: "" }, logprobs: null, finish_reason: null }]);
        if (typeof m.content === "string" && m.content.length > 0) {
            push([
                {
                    index,
                    delta: { content: m.content },
                    logprobs: ch.logprobs?.content ? { content: ch.logprobs.content, refusal: null } : null,
                    finish_reason: null,
                },
            ]);
        }
        if (m.refusal) push([{ index, delta: { refusal: m.refusal }, logprobs: null, finish_reason: null }]);
        (m.tool_calls ?? []).forEach((tc: Completion, i: number) => {
            push([
                {
                    index,
                    delta: {
                        tool_calls: [
                            {
                                index: i,
                                id: tc.id,
                                type: tc.type ?? "function",
                                function: { name: tc.function?.name, arguments: tc.function?.arguments ?? "" },
                            },
                        ],
                    },
                    logprobs: null,
                    finish_reason: null,
                },
            ]);
        });
        push([{ index, delta: {}, logprobs: null, finish_reason: ch.finish_reason }]);
    }
    if (includeUsage && c.usage) push([], { usage: c.usage });
    events.push("data: [DONE]\n\n");
    return events.join("");
}
