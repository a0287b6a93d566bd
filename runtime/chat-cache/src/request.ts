import { HttpError } from "./errors";

/** A chat-completions request body after validation; unknown fields are kept (and forwarded). */
export type ChatRequest = Record<string, unknown> & { model: string; messages: Array<Record<string, unknown>> };

function bad(message: string, param: string | null): HttpError {
    return new HttpError(400, message, "invalid_request_error", param, param === null ? null : "invalid_value");
}

const NUMERIC = [
    "temperature",
    "top_p",
    "presence_penalty",
    "frequency_penalty",
    "top_logprobs",
    "max_tokens",
    "max_completion_tokens",
    "seed",
    "n",
];
const INTEGER = new Set(["n", "seed", "max_tokens", "max_completion_tokens", "top_logprobs"]);
const ROLES = new Set(["system", "developer", "user", "assistant", "tool", "function"]);

/**
 * Parses and type-checks a chat-completions body, answering like OpenAI does (400, `invalid_request_error`, `param`).
 * Only checks what the proxy relies on; anything else is the upstream's business.
 */
export function parseChatRequest(raw: Buffer): ChatRequest {
    let body: unknown;
    try {
        body = JSON.parse(raw.toString("utf8"));
    } catch {
        throw bad("We could not parse the JSON body of your request. The body must be valid JSON.", null);
    }
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
        throw bad("The request body must be a JSON object.", null);
    }
    const b = body as Record<string, unknown>;
    if (b.model === undefined) throw bad("you must provide a model parameter", "model");
    if (typeof b.model !== "string" || b.model.length === 0) throw bad("'model' must be a non-empty string.", "model");
    if (b.messages === undefined) throw bad("Missing required parameter: 'messages'.", "messages");
    if (!Array.isArray(b.messages) || b.messages.length === 0)
        throw bad("'messages' must be a non-empty array.", "messages");
    b.messages.forEach((m, i) => {
        if (m === null || typeof m !== "object" || Array.isArray(m))
            throw bad(`'messages[${i}]' must be an object.`, `messages[${i}]`);
        const role = (m as Record<string, unknown>).role;
        if (typeof role !== "string" || !ROLES.has(role))
            throw bad(`'messages[${i}].role' must be one of ${[...ROLES].join(", ")}.`, `messages[${i}].role`);
        const content = (m as Record<string, unknown>).content;
        if (content !== undefined && content !== null && typeof content !== "string" && !Array.isArray(content)) {
            throw bad(
                `'messages[${i}].content' must be a string or an array of content parts.`,
                `messages[${i}].content`,
            );
        }
    });
    for (const f of NUMERIC) {
        const v = b[f];
        if (v === undefined || v === null) continue;
        if (typeof v !== "number" || !Number.isFinite(v)) throw bad(`'${f}' must be a number.`, f);
        if (INTEGER.has(f) && !Number.isInteger(v)) throw bad(`'${f}' must be an integer.`, f);
    }
    if (b.n !== undefined && b.n !== null && (b.n as number) < 1) throw bad("'n' must be at least 1.", "n");
    if (b.stream !== undefined && b.stream !== null && typeof b.stream !== "boolean")
        throw bad("'stream' must be a boolean.", "stream");
    if (
        b.stream_options !== undefined &&
        b.stream_options !== null &&
        (typeof b.stream_options !== "object" || Array.isArray(b.stream_options))
    ) {
        throw bad("'stream_options' must be an object.", "stream_options");
    }
    if (b.tools !== undefined && b.tools !== null && !Array.isArray(b.tools))
        throw bad("'tools' must be an array.", "tools");
    if (
        b.metadata !== undefined &&
        b.metadata !== null &&
        (typeof b.metadata !== "object" || Array.isArray(b.metadata))
    ) {
        throw bad("'metadata' must be an object.", "metadata");
    }
    if (b.cache !== undefined && b.cache !== null && (typeof b.cache !== "object" || Array.isArray(b.cache))) {
        throw bad('\'cache\' must be an object like {"no-cache": true, "ttl": 600}.', "cache");
    }
    return b as ChatRequest;
}
