import type { IncomingMessage } from "node:http";

/** Why a body could not be read; each maps to one client error status. */
export type BodyProblem = "too_large" | "timeout" | "aborted";

/** Options of `readBody`. */
export interface BodyLimits {
    maxBytes: number;
    /** Time allowed from the request head to the last body byte. */
    timeoutMs: number;
}

/**
 * Reads a request body up to `maxBytes` within `timeoutMs`; callback style so a cache hit can be answered without a
 * promise chain. Calls `done` exactly once, with a problem or the bytes.
 */
export function readBody(
    req: IncomingMessage,
    limits: BodyLimits,
    done: (problem: BodyProblem | undefined, raw: Buffer) => void,
): void {
    const declared = contentLength(req);
    if (declared > limits.maxBytes) {
        done("too_large", EMPTY);
        return;
    }
    let first: Buffer | undefined;
    let parts: Buffer[] | undefined;
    let size = 0;
    let finished = false;
    const finish = (problem: BodyProblem | undefined, raw: Buffer) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        done(problem, raw);
    };
    // A client that stalls mid-body would otherwise hold its socket for Node's 300 s request timeout.
    const timer = setTimeout(() => finish("timeout", EMPTY), limits.timeoutMs);
    req.on("data", (c: Buffer) => {
        if (finished) return;
        size += c.length;
        if (size > limits.maxBytes) {
            finish("too_large", EMPTY);
            return;
        }
        if (!first) first = c;
        else (parts ??= [first]).push(c);
    });
    req.on("end", () => finish(undefined, parts ? Buffer.concat(parts) : (first ?? EMPTY)));
    req.on("aborted", () => finish("aborted", EMPTY));
    req.on("error", () => finish("aborted", EMPTY));
}

const EMPTY = Buffer.alloc(0);

/** `content-length` from `rawHeaders` (the hit path avoids building the lazy `req.headers`); NaN when absent. */
function contentLength(req: IncomingMessage): number {
    const h = req.rawHeaders;
    for (let i = 0; i < h.length; i += 2) {
        if (h[i].length === 14 && h[i].toLowerCase() === "content-length") return Number(h[i + 1]);
    }
    return NaN;
}

/**
 * Whether a `content-type` value declares JSON (`application/json`, any `+json` type, any parameters). A missing
 * header is accepted as JSON, as the OpenAI API does; anything else (forms, text) is refused before the body is read.
 */
export function isJsonContentType(value: string | undefined): boolean {
    if (value === undefined || value === "") return true;
    const semi = value.indexOf(";");
    const type = (semi === -1 ? value : value.slice(0, semi)).trim().toLowerCase();
    return type === "application/json" || (type.startsWith("application/") && type.endsWith("+json"));
}
