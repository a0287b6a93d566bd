import type { IncomingMessage } from "node:http";
import type { Config } from "./config";
import { parseControls, type CacheControls } from "./controls";
import { header } from "./headers";
import { cacheKey, sha256hex, tenantOf } from "./key";
import type { ChatRequest } from "./request";
import { ttlClass } from "./rules";

/** Decisions derived from a validated request (memoised per fingerprint; holds no prompt text). */
export interface Prepared {
    controls: CacheControls;
    /** TTL class, also the metrics label. */
    cls: string;
    stream: boolean;
    includeUsage: boolean;
    cacheable: boolean;
    /** Cache key; set when cacheable. */
    hash?: string;
}

/** Most fingerprints remembered before the memo starts over. */
const MAX_REMEMBERED = 10000;

/**
 * Turns a validated request into its cache decisions, and remembers them by fingerprint so a repeat of the same
 * bytes (from the same tenant, with the same cache headers) skips parsing and key building.
 */
export class RequestPreparer {
    // A plain Map (cleared when full) is several times cheaper per lookup than an LRU; losing it costs a re-parse.
    private readonly memo = new Map<string, Prepared>();

    constructor(private readonly config: Pick<Config, "rules" | "cacheNondeterministic" | "cacheMultipleChoices">) {}

    /** Decisions remembered for this fingerprint, if any. */
    recall(fingerprint: string): Prepared | undefined {
        return this.memo.get(fingerprint);
    }

    /** Computes (and remembers) the decisions for a parsed body. Throws `HttpError` on malformed cache controls. */
    prepare(req: IncomingMessage, body: ChatRequest, fingerprint: string): Prepared {
        const { config } = this;
        const controls = parseControls(body.cache, header(req, "cache-control"));
        const metadata = body.metadata as Record<string, unknown> | undefined;
        const context =
            header(req, "x-chat-context") ?? (typeof metadata?.context === "string" ? metadata.context : undefined);
        const stream = body.stream === true;
        const includeUsage =
            stream && (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
        const temperature = typeof body.temperature === "number" ? body.temperature : 1;
        const deterministic = temperature === 0 || typeof body.seed === "number";
        const n = typeof body.n === "number" ? body.n : 1;
        const cacheable =
            (deterministic || controls.optIn || config.cacheNondeterministic) &&
            (n <= 1 || config.cacheMultipleChoices) &&
            !(controls.noCache && controls.noStore);
        const hash = cacheable
            ? cacheKey({
                  tenant: tenantOf(header(req, "authorization"), header(req, "x-tenant-id")),
                  namespace: controls.namespace,
                  body,
                  rules: config.rules,
              })
            : undefined;
        const prep = { controls, cls: ttlClass(config.rules, context), stream, includeUsage, cacheable, hash };
        if (this.memo.size >= MAX_REMEMBERED) this.memo.clear();
        this.memo.set(fingerprint, prep);
        return prep;
    }
}

/**
 * Fingerprint of everything that decides the key: the tenant and cache headers plus the exact body bytes.
 * Scans `rawHeaders` so the hit path never builds the lazy `req.headers` object.
 */
export function fingerprintOf(req: IncomingMessage, raw: Buffer): string {
    let auth = "";
    let tenant = "";
    let cc = "";
    let ctx = "";
    const h = req.rawHeaders;
    for (let i = 0; i < h.length; i += 2) {
        const name = h[i];
        if (name.length === 13 && name.toLowerCase() === "authorization") auth = h[i + 1];
        else if (name.length === 11 && name.toLowerCase() === "x-tenant-id") tenant = h[i + 1];
        else if (name.length === 13 && name.toLowerCase() === "cache-control") cc = h[i + 1];
        else if (name.length === 14 && name.toLowerCase() === "x-chat-context") ctx = h[i + 1];
    }
    return sha256hex(`${auth}\n${tenant}\n${cc}\n${ctx}\n${raw.toString("latin1")}`);
}
