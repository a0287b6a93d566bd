/**
 * Redaction layer: every secret value (and its encoded forms) is registered before anything is logged, alerted or
 * returned, and every outgoing text passes through {@link Redactor.redact}.
 */

const MASK = "[REDACTED]";
// Shorter values would mask ordinary words and digits everywhere; they are still never logged by construction.
const MIN_LENGTH = 4;

/** Holds the set of strings that must never leave the process. */
export class Redactor {
    private readonly needles = new Set<string>();
    private sorted: string[] = [];

    /** Registers a secret and its base64, base64url, URL-encoded, JSON-escaped and per-line forms. */
    register(value: unknown): void {
        if (value === undefined || value === null) return;
        const text = typeof value === "string" ? value : JSON.stringify(value);
        const forms = new Set<string>([text]);
        forms.add(Buffer.from(text, "utf8").toString("base64"));
        forms.add(Buffer.from(text, "utf8").toString("base64").replace(/=+$/, ""));
        forms.add(Buffer.from(text, "utf8").toString("base64url"));
        forms.add(encodeURIComponent(text));
        forms.add(encodeURIComponent(text).replace(/%20/g, "+"));
        forms.add(JSON.stringify(text).slice(1, -1));
        // Multi-line values (keys, JSON) can be printed one line at a time.
        for (const line of text.split(/\r?\n/)) if (line.trim().length >= 8) forms.add(line.trim());
        let added = false;
        for (const f of forms) {
            if (f.length >= MIN_LENGTH && !this.needles.has(f)) {
                this.needles.add(f);
                added = true;
            }
        }
        // Longest first so a value is masked whole before any of its lines.
        if (added) this.sorted = [...this.needles].sort((a, b) => b.length - a.length);
    }

    /** Number of registered forms (for tests and metrics). */
    get size(): number {
        return this.needles.size;
    }

    /** Returns `text` with every registered form replaced by `[REDACTED]`. */
    redact(text: string): string {
        let out = text;
        for (const n of this.sorted) if (out.includes(n)) out = out.split(n).join(MASK);
        return out;
    }

    /** Deep-copies a JSON-like value with every string redacted. */
    redactDeep<T>(value: T): T {
        return JSON.parse(this.redact(JSON.stringify(value ?? null))) as T;
    }
}

/**
 * Turns an error from Octokit or axios (ESC SDK) into a plain Error carrying only safe facts: which call, the HTTP
 * status and the server's short message. Request bodies (`encrypted_value`), headers (`authorization`) and the
 * original error object are dropped.
 */
export function scrubError(err: unknown, redactor: Redactor, context?: string): Error & { status?: number } {
    const e = err as {
        name?: string;
        message?: string;
        status?: number;
        response?: { status?: number; data?: unknown; statusText?: string };
        request?: { method?: string; url?: string };
        config?: { method?: string; url?: string };
    };
    const status = typeof e?.status === "number" ? e.status : e?.response?.status;
    const method = (e?.request?.method ?? e?.config?.method ?? "").toUpperCase();
    const rawUrl = e?.request?.url ?? e?.config?.url ?? "";
    let path: string;
    try {
        path = rawUrl ? new URL(rawUrl, "http://x").pathname : "";
    } catch {
        path = "";
    }
    const data = e?.response?.data as { message?: unknown } | undefined;
    const serverMsg = typeof data?.message === "string" ? data.message.slice(0, 200) : "";
    const base =
        status !== undefined
            ? `${method} ${path} failed with HTTP ${status}${serverMsg ? `: ${serverMsg}` : ""}`.trim()
            : `${e?.name ?? "Error"}: ${String(e?.message ?? err)
                  .split("\n")[0]
                  .slice(0, 300)}`;
    const out = new Error(redactor.redact(context ? `${context}: ${base}` : base)) as Error & { status?: number };
    out.name = "UpstreamError";
    if (status !== undefined) out.status = status;
    return out;
}
