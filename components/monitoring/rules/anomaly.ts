import { CHAT_CACHE, JOBS, SYNC_MONITOR } from "../names";
import { AlertingRule, RecordingRule, RuleGroup } from "../types";

/** z-score threshold and how long it must hold (the original design's 1-hour trend window, 3 sigma). */
export const ANOMALY_SIGMA = 3;
export const ANOMALY_FOR = "10m";
/**
 * The baseline window and how far back it is shifted. The offset must cover the `for` duration plus the 5m rate
 * window: otherwise the anomaly leaks into its own baseline (raising mean and stddev) before the alert can fire.
 */
export const BASELINE_WINDOW = "1h";
export const BASELINE_OFFSET = "15m";

/** A signal watched for anomalies. */
export interface AnomalySignal {
    /** Alert name. */
    readonly alert: string;
    /** Recorded series the z-score is computed on (recorded here when `expr` is given). */
    readonly record: string;
    /** PromQL for `record`; omitted when another group already records it. */
    readonly expr?: string;
    /** Smallest standard deviation used, so a flat baseline does not turn noise into infinite z-scores. */
    readonly minStddev: number;
    /** Which deviation is bad. */
    readonly direction: "up" | "down";
    /** Absolute guard: only alert while the signal itself is on the bad side of this value. */
    readonly floor: number;
    /** Extra condition per service, e.g. a minimum request rate, so a handful of requests cannot look like an anomaly. */
    readonly guard?: string;
    readonly summary: string;
    readonly description: string;
    readonly recommendation: string;
}

/** The z-score series name of a signal: `service:latency_p95:seconds5m` -> `service:latency_p95:zscore1h`. */
export function zscoreRecord(record: string): string {
    const [level, name] = record.split(":");
    return `${level}:${name}:zscore1h`;
}

/** The platform's anomaly signals. */
export const ANOMALY_SIGNALS: readonly AnomalySignal[] = [
    {
        alert: "LatencyAnomaly",
        record: "service:latency_p95:seconds5m",
        minStddev: 0.005,
        direction: "up",
        floor: 0.01,
        summary: "{{ $labels.service }} p95 latency is far above its last hour",
        description:
            "The 5-minute p95 latency of {{ $labels.service }} has been more than 3 standard deviations above its 1-hour baseline for 10 minutes.",
        recommendation:
            "Compare with deploys (a new image?) and dependency latency (Redis, upstream, GitHub API) on the Golden signals dashboard; roll back a bad release with `docker service rollback`.",
    },
    {
        alert: "ErrorRatioAnomaly",
        record: "service:error:ratio_rate5m",
        minStddev: 0.005,
        direction: "up",
        floor: 0.01,
        summary: "{{ $labels.service }} error ratio is far above its last hour",
        description:
            "The 5-minute error ratio of {{ $labels.service }} has been more than 3 standard deviations above its 1-hour baseline for 10 minutes (and above 1%).",
        recommendation:
            "Read the service logs for the new errors; check whether a dependency or a deploy changed at the onset.",
    },
    {
        alert: "ChatCacheHitRatioAnomaly",
        record: "chatcache:hit:ratio_rate5m",
        minStddev: 0.02,
        direction: "down",
        floor: 1,
        // At least 0.2 cacheable requests/s (60 in the 5m window): below that one miss moves the ratio by percents.
        guard: `sum by (service) (rate(${CHAT_CACHE.requests}{service="${JOBS.chatCache}",result!="bypass"}[5m])) > 0.2`,
        summary: "chat-cache hit ratio dropped sharply",
        description:
            "The 5-minute chat-cache hit ratio has been more than 3 standard deviations below its 1-hour baseline for 10 minutes: more requests go to the paid upstream.",
        recommendation:
            "Check Redis (RedisDown, evictions, memory) and the chat-cache Redis circuit; a new client may send non-deterministic requests (temperature > 0, changing prompts) that bypass or miss the cache.",
    },
    {
        alert: "RedisMemoryAnomaly",
        record: "redis:memory_used:bytes",
        expr: `max by (service) (redis_memory_used_bytes{service="${JOBS.redis}"})`,
        minStddev: 1048576,
        direction: "up",
        floor: 0,
        summary: "Redis memory grew far faster than in the last hour",
        description:
            "Redis used memory has been more than 3 standard deviations above its 1-hour baseline for 10 minutes.",
        recommendation:
            "Look for a new key pattern or much larger entries (`redis-cli --bigkeys`, `MEMORY STATS`); check chat-cache TTLs.",
    },
    {
        alert: "RedisEvictionAnomaly",
        record: "redis:evicted_keys:rate5m",
        expr: `sum by (service) (rate(redis_evicted_keys_total{service="${JOBS.redis}"}[5m]))`,
        minStddev: 0.1,
        direction: "up",
        floor: 0.5,
        summary: "Redis evicts keys far faster than in the last hour",
        description:
            "Redis key evictions per second have been more than 3 standard deviations above their 1-hour baseline for 10 minutes: the cache is too small for its working set.",
        recommendation:
            "Raise Redis' memory tier or shorten chat-cache TTLs; evictions lower the hit ratio and raise upstream cost.",
    },
    {
        alert: "PostgresConnectionsAnomaly",
        record: "postgres:connections:count",
        expr: `sum by (service) (pg_stat_database_numbackends{service="${JOBS.postgres}"})`,
        minStddev: 1,
        direction: "up",
        floor: 5,
        summary: "Postgres connections are far above the last hour",
        description:
            "The number of Postgres backends has been more than 3 standard deviations above its 1-hour baseline for 10 minutes.",
        recommendation:
            "Find the clients (`SELECT usename, application_name, state, count(*) FROM pg_stat_activity GROUP BY 1,2,3`); a leak of idle connections or a new replica count without pooling usually explains it.",
    },
    {
        alert: "SecretSyncHealthAnomaly",
        record: "secretsync:health:ratio",
        expr: `max by (service) (${SYNC_MONITOR.healthPercent}{service="${JOBS.syncMonitor}"}) / 100`,
        minStddev: 0.01,
        direction: "down",
        floor: 1,
        summary: "Secret sync health dropped sharply",
        description:
            "The share of in-sync secrets has been more than 3 standard deviations below its 1-hour baseline for 10 minutes.",
        recommendation:
            "Open the Secret sync dashboard: drift by kind shows whether secrets went missing, stale or tampered; the sync-monitor's own SecretSyncDrift alerts name them.",
    },
];

/** The z-score recording rule of one signal. */
export function zscoreRule(signal: AnomalySignal): RecordingRule {
    const r = signal.record;
    const base = `${r}[${BASELINE_WINDOW}] offset ${BASELINE_OFFSET}`;
    return {
        record: zscoreRecord(r),
        expr: `(${r} - avg_over_time(${base})) / clamp_min(stddev_over_time(${base}), ${signal.minStddev})`,
    };
}

/** The alert of one signal. */
export function anomalyAlert(signal: AnomalySignal): AlertingRule {
    const z = zscoreRecord(signal.record);
    const base =
        signal.direction === "up"
            ? `${z} > ${ANOMALY_SIGMA} and on(service) ${signal.record} > ${signal.floor}`
            : `${z} < -${ANOMALY_SIGMA} and on(service) ${signal.record} < ${signal.floor}`;
    const expr = signal.guard ? `${base} and on(service) (${signal.guard})` : base;
    return {
        alert: signal.alert,
        expr,
        for: ANOMALY_FOR,
        labels: { severity: "warning", kind: "anomaly" },
        annotations: {
            summary: signal.summary,
            description: signal.description,
            recommendation: signal.recommendation,
        },
    };
}

/**
 * Anomaly group. It runs after the health group has recorded latency, error and hit-ratio series; reading them one
 * evaluation later does not matter against a 1-hour baseline.
 */
export function anomalyGroup(signals: readonly AnomalySignal[] = ANOMALY_SIGNALS): RuleGroup {
    const records: RecordingRule[] = signals
        .filter((s) => s.expr)
        .map((s) => ({ record: s.record, expr: s.expr as string }));
    return {
        name: "sophia-anomaly",
        rules: [...records, ...signals.map(zscoreRule), ...signals.map(anomalyAlert)],
    };
}
