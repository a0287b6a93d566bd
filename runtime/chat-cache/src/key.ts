import crypto from "node:crypto";
import type { CacheRules } from "./rules";
import type { ChatRequest } from "./request";

/** Bump on any change to what goes into the key, so old entries are never read with a new meaning. */
export const KEY_VERSION = 1;

/**
 * Fields left out of the key: transport (`stream`, `stream_options`), bookkeeping (`metadata`, `store`, `user`) and the
 * proxy's own `cache` controls. Everything else is output-affecting by default (an exclusion list, not an inclusion list).
 */
export const EXCLUDED_FIELDS = new Set(["stream", "stream_options", "metadata", "store", "user", "cache"]);

/** OpenAI defaults filled in before hashing, so an absent field and its default value share an entry. */
export const DEFAULTS: Readonly<Record<string, unknown>> = {
    temperature: 1,
    top_p: 1,
    n: 1,
    presence_penalty: 0,
    frequency_penalty: 0,
};

/** Hex SHA-256; uses the one-shot `crypto.hash` where Node has it (cheaper than a Hash object on the hit path). */
export const sha256hex: (data: string) => string =
    typeof (crypto as { hash?: unknown }).hash === "function"
        ? (data) =>
              (crypto as unknown as { hash(alg: string, data: string, enc: string): string }).hash(
                  "sha256",
                  data,
                  "hex",
              )
        : (data) => crypto.createHash("sha256").update(data).digest("hex");

/** JSON with object keys sorted at every level: equal values give equal strings whatever the field order. */
export function canonicalJSON(value: unknown): string {
    if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
    if (Array.isArray(value)) {
        let out = "[";
        for (let i = 0; i < value.length; i++) {
            if (i > 0) out += ",";
            const v = value[i];
            out += v === undefined || typeof v === "function" ? "null" : canonicalJSON(v);
        }
        return out + "]";
    }
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    if (keys.length > 1) keys.sort();
    let out = "{";
    let first = true;
    for (const k of keys) {
        const v = obj[k];
        if (v === undefined || typeof v === "function") continue;
        if (!first) out += ",";
        first = false;
        out += JSON.stringify(k) + ":" + canonicalJSON(v);
    }
    return out + "}";
}

const POLITE = /^(?:please|can you|could you|would you)\b[\s,]*/i;

function normaliseText(text: string, rules: CacheRules): string {
    let t = rules.collapseWhitespace ? text.replace(/\s+/g, " ").trim() : text;
    if (rules.stripPolitePrefixes) t = t.replace(POLITE, "");
    return t;
}

const TEXT_ROLES = new Set(["user", "system", "developer"]);

/** Key-only normalisation of user/system/developer text; what is sent upstream is never changed. */
export function normaliseMessages(messages: Array<Record<string, unknown>>, rules: CacheRules): unknown[] {
    if (!rules.collapseWhitespace && !rules.stripPolitePrefixes) return messages;
    return messages.map((m) => {
        if (!TEXT_ROLES.has(m.role as string)) return m;
        if (typeof m.content === "string") return { ...m, content: normaliseText(m.content, rules) };
        if (Array.isArray(m.content)) {
            return {
                ...m,
                content: m.content.map((p: unknown) => {
                    const part = p as Record<string, unknown>;
                    return part && part.type === "text" && typeof part.text === "string"
                        ? { ...part, text: normaliseText(part.text, rules) }
                        : p;
                }),
            };
        }
        return m;
    });
}

/**
 * Tenant material: SHA-256 of the bearer key (when the client sent one) plus the `x-tenant-id` header (when set).
 * A tenant header can only narrow a partition, never join another key's entries.
 */
export function tenantOf(authorization: string | undefined, tenantHeader: string | undefined): string {
    const auth = authorization ? sha256hex(authorization.replace(/^Bearer\s+/i, "")) : "-";
    return tenantHeader ? `${auth}/${sha256hex(tenantHeader)}` : auth;
}

/** Everything that makes up one cache key; the single builder used for read and write. */
export interface KeyInput {
    tenant: string;
    namespace?: string;
    body: ChatRequest;
    rules: CacheRules;
}

/** The key material object (before hashing). @internal Exported for testing. */
export function keyMaterial({ tenant, namespace, body, rules }: KeyInput): Record<string, unknown> {
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(body)) {
        // null means "use the default" in the OpenAI API, so it must hash like an absent field.
        if (v === null || v === undefined || EXCLUDED_FIELDS.has(k)) continue;
        fields[k] = v;
    }
    for (const [k, v] of Object.entries(DEFAULTS)) if (fields[k] === undefined) fields[k] = v;
    fields.model = rules.modelAliases[body.model] ?? body.model;
    fields.messages = normaliseMessages(body.messages, rules);
    return { v: KEY_VERSION, endpoint: "chat.completions", tenant, namespace: namespace ?? null, body: fields };
}

/** Hex SHA-256 of the canonical key material; contains no prompt text. */
export function cacheKey(input: KeyInput): string {
    return sha256hex(canonicalJSON(keyMaterial(input)));
}
