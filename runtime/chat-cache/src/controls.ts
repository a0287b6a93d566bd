import { HttpError } from "./errors";

/** Per-request cache controls from the LiteLLM-compatible body field `cache` and the `cache-control` header. */
export interface CacheControls {
    /** Skip the lookup (and coalescing); the answer may still be stored. */
    noCache: boolean;
    /** Skip the write. */
    noStore: boolean;
    /** TTL override in seconds (bounded by the caller). */
    ttl?: number;
    /** Only accept entries younger than this many seconds. */
    maxAge?: number;
    /** Extra partition of the key, inside the tenant. */
    namespace?: string;
    /** Explicit opt-in for a non-deterministic request. */
    optIn: boolean;
}

function seconds(v: unknown, name: string): number {
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
        throw new HttpError(
            400,
            `'cache.${name}' must be a whole number of seconds.`,
            "invalid_request_error",
            `cache.${name}`,
            "invalid_value",
        );
    }
    return v;
}

const KNOWN = new Set(["no-cache", "no-store", "ttl", "s-maxage", "s-max-age", "namespace", "use-cache"]);

/** Reads controls; body values win over the header. Throws 400 on malformed values. */
export function parseControls(cacheField: unknown, cacheControlHeader: string | undefined): CacheControls {
    const c: CacheControls = { noCache: false, noStore: false, optIn: false };
    if (cacheControlHeader) {
        for (const part of cacheControlHeader.toLowerCase().split(",")) {
            const [k, v] = part.trim().split("=", 2);
            if (k === "no-cache") c.noCache = true;
            else if (k === "no-store") c.noStore = true;
            else if ((k === "max-age" || k === "s-maxage") && v !== undefined && /^\d+$/.test(v.trim())) {
                // A client asking to keep the answer N seconds opts in to caching it.
                c.ttl = Number(v.trim());
                c.optIn = true;
            }
        }
    }
    if (cacheField !== undefined && cacheField !== null) {
        const f = cacheField as Record<string, unknown>;
        for (const k of Object.keys(f)) {
            if (!KNOWN.has(k)) {
                throw new HttpError(
                    400,
                    `Unknown cache control 'cache.${k}'; allowed: ${[...KNOWN].join(", ")}.`,
                    "invalid_request_error",
                    `cache.${k}`,
                    "invalid_value",
                );
            }
        }
        if (f["no-cache"] === true) c.noCache = true;
        if (f["no-store"] === true) c.noStore = true;
        if (f["use-cache"] === true) c.optIn = true;
        if (f.ttl !== undefined) {
            c.ttl = seconds(f.ttl, "ttl");
            c.optIn = true;
        }
        const sMax = f["s-maxage"] ?? f["s-max-age"];
        if (sMax !== undefined) c.maxAge = seconds(sMax, "s-maxage");
        if (f.namespace !== undefined) {
            if (typeof f.namespace !== "string" || f.namespace.length > 128) {
                throw new HttpError(
                    400,
                    "'cache.namespace' must be a string of at most 128 characters.",
                    "invalid_request_error",
                    "cache.namespace",
                    "invalid_value",
                );
            }
            c.namespace = f.namespace;
        }
    }
    return c;
}
