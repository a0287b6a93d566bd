import type { Logger } from "pino";
import { completionText, isCacheableCompletion } from "./completion";
import type { Config } from "./config";
import type { CacheControls } from "./controls";
import type { Outcome } from "./flight";
import type { Metrics } from "./metrics";
import { MAX_RULE_TTL, ttlFor } from "./rules";
import type { CacheStore, Entry } from "./store";

/** What `writeBack` needs. */
export interface WriteBackDeps {
    config: Pick<Config, "maxEntryBytes" | "defaultTtlSeconds" | "rules">;
    store: CacheStore;
    metrics: Metrics;
    logger: Logger;
    now: () => number;
}

/**
 * Stores a finished upstream answer when it is cacheable (clean finish, output, size bound); the TTL comes from the
 * request's `cache.ttl` (bounded) or the TTL class rules. Returns the stored entry, or undefined when nothing was stored.
 */
export function writeBack(
    deps: WriteBackDeps,
    hash: string,
    outcome: Outcome,
    controls: CacheControls,
    cls: string,
): Entry | undefined {
    const { config, metrics } = deps;
    if (outcome.kind !== "ok") return undefined;
    const c = outcome.completion;
    if (!isCacheableCompletion(c)) {
        metrics.cacheWrites.inc({ outcome: "skipped_uncacheable" });
        return undefined;
    }
    const body = Buffer.from(JSON.stringify(c));
    if (body.length > config.maxEntryBytes) {
        metrics.cacheWrites.inc({ outcome: "skipped_too_large" });
        return undefined;
    }
    const maxTtl = Math.max(MAX_RULE_TTL, config.defaultTtlSeconds);
    const ttl =
        controls.ttl !== undefined
            ? Math.min(Math.max(controls.ttl, 1), maxTtl)
            : ttlFor(config.rules, cls, completionText(c));
    const entry: Entry = { storedAt: deps.now(), ttl, completion: c, body };
    deps.store.set(hash, entry);
    deps.logger.debug({ key: hash.slice(0, 16), ttl, bytes: body.length }, "cached completion");
    return entry;
}
