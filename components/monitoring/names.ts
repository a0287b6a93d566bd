/**
 * The names the monitoring stack agrees on with the services it watches: scrape job names (which become the
 * `service` label on every series and alert) and the metric names each Sophia service exposes. They live in one place
 * so a renamed metric is a one-line change here, checked by the rule unit tests.
 */

/** Scrape job names. A service's job name is its `service` label in metrics, rules, alerts and dashboards. */
export const JOBS = {
    chatCache: "chat-cache",
    syncMonitor: "sync-monitor",
    redis: "redis",
    postgres: "postgres",
    nodeExporter: "node-exporter",
    cadvisor: "cadvisor",
    prometheus: "prometheus",
    alertmanager: "alertmanager",
    grafana: "grafana",
} as const;

/** chat-cache metrics (runtime/chat-cache/src/metrics.ts). */
export const CHAT_CACHE = {
    /** Counter, label `result` (hit, miss, bypass, coalesced, stale, error) and `ttl_class`. */
    requests: "cache_requests_total",
    /** Histogram of key lookups by answering tier: the cache's own latency. */
    lookupDuration: "cache_lookup_duration_seconds",
    /** Histogram of upstream completion duration, label `status`. */
    upstreamDuration: "upstream_request_duration_seconds",
    upstreamInFlight: "upstream_in_flight",
    upstreamQueueDepth: "upstream_queue_depth",
    /** Counter of requests answered without an upstream result, label `reason`. */
    rejections: "upstream_rejections_total",
    /** Gauge, 1 while the Redis circuit breaker skips Redis. */
    redisCircuitOpen: "redis_circuit_open",
    redisErrors: "redis_errors_total",
    upstreamTtft: "upstream_time_to_first_token_seconds",
    savedTokens: "cache_saved_tokens_total",
    /** Counter, label `outcome`. */
    cacheWrites: "cache_writes_total",
} as const;

/** Request results that were answered from the cache (no new upstream call). */
export const CHAT_CACHE_HIT_RESULTS = ["hit", "stale", "coalesced"] as const;
/** Request results that could have been answered from the cache (everything but bypass). */
export const CHAT_CACHE_ERROR_RESULT = "error";

/** sync-monitor metrics (runtime/sync-monitor/src/metrics.ts). */
export const SYNC_MONITOR = {
    healthPercent: "secretsync_sync_health_percent",
    /** Gauge, label `kind`. */
    drift: "secretsync_drift",
    /** Histogram, labels `api`, `route`, `method`, `status` (HTTP status, or "error" when no response). */
    apiDuration: "secretsync_api_request_duration_seconds",
    /** Gauge, label `resource`. */
    rateLimitRemaining: "secretsync_ratelimit_remaining",
    lastSuccess: "secretsync_last_successful_check_timestamp_seconds",
    consecutiveFailures: "secretsync_consecutive_failed_checks",
    checkDuration: "secretsync_check_duration_seconds",
    heals: "secretsync_heals_total",
    alertPosts: "secretsync_alert_posts_total",
} as const;

/** Alerts the sync-monitor posts to Alertmanager itself (runtime/sync-monitor/src/monitor.ts); routed like ours. */
export const SYNC_MONITOR_PUSHED_ALERTS = [
    "SecretSyncDrift",
    "SecretSyncHealthLow",
    "SecretSyncCheckFailing",
    "SecretExposure",
] as const;
