import { HttpError } from "./errors";
import { LIMITS, nestsDeeperThan, NUMBER_RANGES } from "./limits";

/** A chat-completions request body after validation; unknown fields are kept (and forwarded). */
export type ChatRequest = Record<string, unknown> & { model: string; messages: Array<Record<string, unknown>> };

function bad(message: string, param: string | null): HttpError {
    return new HttpError(400, message, "invalid_request_error", param, param === null ? null : "invalid_value");
}

const ROLES = new Set(["system", "developer", "user", "assistant", "tool", "function"]);

/**
 * Parses and type-checks a chat-completions body, answering like OpenAI does (400, `invalid_request_error`, `param`).
 * Only checks what the proxy relies on; anything else is the upstream's business.
 */
export function parseChatRequest(raw: Buffer): ChatRequest {
    if (nestsDeeperThan(raw, LIMITS.maxDepth))
        throw bad(`The request body nests arrays or objects deeper than ${LIMITS.maxDepth} levels.`, null);
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
    if (b.model.length > LIMITS.maxModelLength)
        throw bad(`'model' must be at most ${LIMITS.maxModelLength} characters.`, "model");
    if (b.messages === undefined) throw bad("Missing required parameter: 'messages'.", "messages");
    if (!Array.isArray(b.messages) || b.messages.length === 0)
        throw bad("'messages' must be a non-empty array.", "messages");
    if (b.messages.length > LIMITS.maxMessages)
        throw bad(`Invalid 'messages': array too long. Expected at most ${LIMITS.maxMessages} messages.`, "messages");
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
    for (const [f, range] of Object.entries(NUMBER_RANGES)) {
        const v = b[f];
        if (v === undefined || v === null) continue;
        if (typeof v !== "number" || !Number.isFinite(v)) throw bad(`'${f}' must be a number.`, f);
        if (range.integer && !Number.isInteger(v)) throw bad(`'${f}' must be an integer.`, f);
        if (v < range.min || v > range.max)
            throw bad(`'${f}' must be between ${range.min} and ${range.max}, got ${v}.`, f);
    }
    checkStop(b.stop);
    checkLogitBias(b.logit_bias);
    checkMetadata(b.metadata);
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
    if (Array.isArray(b.tools) && b.tools.length > LIMITS.maxTools)
        throw bad(`Invalid 'tools': array too long. Expected at most ${LIMITS.maxTools} tools.`, "tools");
    if (b.cache !== undefined && b.cache !== null && (typeof b.cache !== "object" || Array.isArray(b.cache))) {
        throw bad('\'cache\' must be an object like {"no-cache": true, "ttl": 600}.', "cache");
    }
    return b as ChatRequest;
}

function checkStop(stop: unknown): void {
    if (stop === undefined || stop === null || typeof stop === "string") return;
    if (!Array.isArray(stop) || stop.some((s) => typeof s !== "string"))
        throw bad("'stop' must be a string or an array of strings.", "stop");
    if (stop.length > LIMITS.maxStop) throw bad(`'stop' holds at most ${LIMITS.maxStop} sequences.`, "stop");
}

function checkLogitBias(bias: unknown): void {
    if (bias === undefined || bias === null) return;
    if (typeof bias !== "object" || Array.isArray(bias)) throw bad("'logit_bias' must be an object.", "logit_bias");
    for (const v of Object.values(bias)) {
        if (typeof v !== "number" || !(v >= -100 && v <= 100))
            throw bad("'logit_bias' values must be numbers between -100 and 100.", "logit_bias");
    }
}

function checkMetadata(metadata: unknown): void {
    if (metadata === undefined || metadata === null) return;
    if (typeof metadata !== "object" || Array.isArray(metadata)) throw bad("'metadata' must be an object.", "metadata");
    const entries = Object.entries(metadata);
    if (entries.length > LIMITS.maxMetadataPairs)
        throw bad(`'metadata' holds at most ${LIMITS.maxMetadataPairs} key-value pairs.`, "metadata");
    for (const [k, v] of entries) {
        if (k.length > LIMITS.maxMetadataKey || typeof v !== "string" || v.length > LIMITS.maxMetadataValue)
            throw bad(
                `'metadata' keys must be at most ${LIMITS.maxMetadataKey} characters and values strings of at most ${LIMITS.maxMetadataValue}.`,
                "metadata",
            );
    }
}
