/**
 * Input bounds checked before a request touches any shared state (flights, the cache, the upstream queue).
 * Counts and ranges are the ones the OpenAI API documents or enforces itself, so a request refused here would have
 * been refused upstream too; the nesting bound is the proxy's own (it hashes and serialises bodies recursively).
 */
export const LIMITS = {
    /** Deepest array/object nesting accepted anywhere in the body (OpenAI structured outputs allow 10 schema levels). */
    maxDepth: 64,
    /** OpenAI: "array too long. Expected an array with maximum length 2048". */
    maxMessages: 2048,
    /** OpenAI: at most 128 tools. */
    maxTools: 128,
    /** OpenAI: `stop` is up to 4 sequences. */
    maxStop: 4,
    /** OpenAI: `metadata` holds up to 16 pairs, keys up to 64 and string values up to 512 characters. */
    maxMetadataPairs: 16,
    maxMetadataKey: 64,
    maxMetadataValue: 512,
    /** Model ids are short names; a generous bound keeps megabyte "models" out of logs and keys. */
    maxModelLength: 256,
    /** A 32-bit token count is far above every model's context; larger values (1e308) are refused. */
    maxTokens: 2147483647,
} as const;

/** Numeric request fields with the range the OpenAI API documents; `integer` fields also reject fractions. */
export const NUMBER_RANGES: Readonly<Record<string, { min: number; max: number; integer: boolean }>> = {
    temperature: { min: 0, max: 2, integer: false },
    top_p: { min: 0, max: 1, integer: false },
    presence_penalty: { min: -2, max: 2, integer: false },
    frequency_penalty: { min: -2, max: 2, integer: false },
    n: { min: 1, max: 128, integer: true },
    top_logprobs: { min: 0, max: 20, integer: true },
    max_tokens: { min: 1, max: LIMITS.maxTokens, integer: true },
    max_completion_tokens: { min: 1, max: LIMITS.maxTokens, integer: true },
    // The API takes a 64-bit seed; beyond 2^53 JavaScript cannot represent it exactly, so it could not key correctly.
    seed: { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER, integer: true },
};

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Whether JSON text nests arrays/objects deeper than `max`, by scanning bytes (outside strings) before parsing,
 * so an adversarial body never reaches a recursive parser, hasher or serialiser. Malformed JSON is left to the parser.
 */
export function nestsDeeperThan(raw: Buffer, max: number): boolean {
    let depth = 0;
    let inString = false;
    for (let i = 0; i < raw.length; i++) {
        const c = raw[i];
        if (inString) {
            if (c === BACKSLASH) i++;
            else if (c === QUOTE) inString = false;
        } else if (c === QUOTE) inString = true;
        else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
            if (++depth > max) return true;
        } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
    }
    return false;
}

/** Nesting depth of an already parsed value, iteratively (for upstream answers before they are stored or rendered). */
export function depthOf(value: unknown, stopAt: number): number {
    let deepest = 0;
    const stack: Array<[unknown, number]> = [[value, 1]];
    while (stack.length > 0) {
        const [v, d] = stack.pop()!;
        if (v === null || typeof v !== "object") continue;
        if (d > deepest) deepest = d;
        if (deepest > stopAt) return deepest;
        for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, d + 1]);
    }
    return deepest;
}
