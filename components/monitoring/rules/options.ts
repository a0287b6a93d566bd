import { CHAT_CACHE, CHAT_CACHE_ERROR_RESULT, JOBS, SYNC_MONITOR } from "../names";

/** A latency objective: the p95 of a histogram a service exposes must stay at or below `seconds`. */
export interface LatencyObjective {
    /** `service` label value (the scrape job). */
    readonly service: string;
    /** Histogram base name (without `_bucket`). */
    readonly histogram: string;
    /** Extra label matchers inside the braces, e.g. `api="github"`. Defaults to none. */
    readonly matchers?: string;
    /** The p95 objective in seconds. */
    readonly seconds: number;
}

/** How a service's error ratio is computed: errors / total over counter rates (5m). */
export interface ErrorSignal {
    readonly service: string;
    /** Counter selector of failed requests, e.g. `cache_requests_total{result="error"}`. */
    readonly errors: string;
    /** Counter selector of all requests. */
    readonly total: string;
}

/** Inputs of the rule generators. */
export interface RuleOptions {
    /** `service` label values that must always have at least one scrape target. */
    readonly expectedServices: readonly string[];
    readonly latencyObjectives: readonly LatencyObjective[];
    readonly errorSignals: readonly ErrorSignal[];
    /** chat-cache hit ratio (1h) that counts as fully optimised. Defaults to 0.3. */
    readonly hitRatioTarget: number;
    /** A sync-monitor that has not completed a check for this long is stale. Defaults to 1800 (30 minutes). */
    readonly syncStaleSeconds: number;
    /** Prometheus' TSDB size cap in bytes, to warn before retention starts deleting by size. */
    readonly tsdbSizeCapBytes: number;
    /** Base of the `runbook_url` annotation; the alert's anchor is appended. Defaults to "docs/monitoring.md". */
    readonly runbookBaseUrl: string;
}

/** The platform's concrete signals: chat-cache and sync-monitor objectives and error definitions. */
export const DEFAULT_LATENCY_OBJECTIVES: readonly LatencyObjective[] = [
    // The cache's own work (key lookup), not the LLM provider's latency, which the cache cannot control.
    { service: JOBS.chatCache, histogram: CHAT_CACHE.lookupDuration, seconds: 0.05 },
    { service: JOBS.syncMonitor, histogram: SYNC_MONITOR.apiDuration, seconds: 2 },
];

export const DEFAULT_ERROR_SIGNALS: readonly ErrorSignal[] = [
    {
        service: JOBS.chatCache,
        errors: `${CHAT_CACHE.requests}{service="${JOBS.chatCache}",result="${CHAT_CACHE_ERROR_RESULT}"}`,
        total: `${CHAT_CACHE.requests}{service="${JOBS.chatCache}"}`,
    },
    {
        service: JOBS.syncMonitor,
        // A 5xx or no answer at all is a failed API call; 4xx are answers about our request (e.g. 404 missing secret).
        errors: `${SYNC_MONITOR.apiDuration}_count{service="${JOBS.syncMonitor}",status=~"5..|error"}`,
        total: `${SYNC_MONITOR.apiDuration}_count{service="${JOBS.syncMonitor}"}`,
    },
];

/** Fills in defaults. */
export function resolveRuleOptions(partial: Partial<RuleOptions> & Pick<RuleOptions, "expectedServices">): RuleOptions {
    return {
        latencyObjectives: DEFAULT_LATENCY_OBJECTIVES,
        errorSignals: DEFAULT_ERROR_SIGNALS,
        hitRatioTarget: 0.3,
        syncStaleSeconds: 1800,
        tsdbSizeCapBytes: 10 * 1000 ** 3,
        runbookBaseUrl: "docs/monitoring.md",
        ...partial,
    };
}
