import type { Metrics } from "./metrics";

/** Per-request metrics with label children bound once: the hit path should not hash label objects per request. */
export class RequestCounters {
    private readonly byLabel = new Map<string, { inc(): void }>();
    /** `cache_lookup_duration_seconds` by the tier that answered. */
    readonly lookup: {
        lru: { observe(s: number): void };
        redis: { observe(s: number): void };
        none: { observe(s: number): void };
    };

    constructor(private readonly metrics: Metrics) {
        this.lookup = {
            lru: metrics.lookupDuration.labels("lru"),
            redis: metrics.lookupDuration.labels("redis"),
            none: metrics.lookupDuration.labels("none"),
        };
    }

    /** Counts one answered request by result (hit, miss, coalesced, ...) and TTL class. */
    count(result: string, cls: string): void {
        const k = result + "|" + cls;
        let c = this.byLabel.get(k);
        if (!c) this.byLabel.set(k, (c = this.metrics.requests.labels(result, cls)));
        c.inc();
    }

    /** Adds the tokens of an answer served without an upstream call. */
    savedTokens(completion: { usage?: { total_tokens?: number } }): void {
        const t = completion.usage?.total_tokens;
        if (typeof t === "number" && t > 0) this.metrics.savedTokens.inc(t);
    }
}
