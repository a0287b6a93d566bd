/** Prometheus metrics of the monitor, registered on an injected Registry (no global state). */
import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** The metric objects the monitor updates. */
export interface Metrics {
    readonly registry: Registry;
    readonly checkDuration: Histogram<"status">;
    readonly apiDuration: Histogram<"api" | "route" | "method" | "status">;
    readonly rateLimitRemaining: Gauge<"resource">;
    readonly checkRateLimitPoints: Gauge<"limit">;
    readonly drift: Gauge<"kind">;
    readonly healthPercent: Gauge;
    readonly heals: Counter<"outcome" | "risk">;
    readonly alertPosts: Counter<"outcome">;
    readonly lastSuccess: Gauge;
    readonly consecutiveFailures: Gauge;
    readonly exposures: Gauge;
}

export const DRIFT_KINDS = ["missing", "extra", "stale", "tampered", "unverifiable", "shadowed", "invalid"] as const;

/** Creates and registers every metric on `registry`. */
export function createMetrics(registry: Registry = new Registry()): Metrics {
    const registers = [registry];
    const m: Metrics = {
        registry,
        checkDuration: new Histogram({
            name: "secretsync_check_duration_seconds",
            help: "Duration of a full drift check.",
            labelNames: ["status"],
            buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300],
            registers,
        }),
        apiDuration: new Histogram({
            name: "secretsync_api_request_duration_seconds",
            help: "GitHub and ESC API request duration.",
            labelNames: ["api", "route", "method", "status"],
            buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
            registers,
        }),
        rateLimitRemaining: new Gauge({
            name: "secretsync_ratelimit_remaining",
            help: "GitHub x-ratelimit-remaining by x-ratelimit-resource.",
            labelNames: ["resource"],
            registers,
        }),
        checkRateLimitPoints: new Gauge({
            name: "secretsync_check_ratelimit_points",
            help: "GitHub rate-limit points the last check spent: primary (every answer but a 304) and secondary (1 per read, 5 per write).",
            labelNames: ["limit"],
            registers,
        }),
        drift: new Gauge({
            name: "secretsync_drift",
            help: "Secrets in each drift kind at the last check.",
            labelNames: ["kind"],
            registers,
        }),
        healthPercent: new Gauge({
            name: "secretsync_sync_health_percent",
            help: "In-sync secrets / expected secrets * 100.",
            registers,
        }),
        heals: new Counter({
            name: "secretsync_heals_total",
            help: "Heal actions by outcome.",
            labelNames: ["outcome", "risk"],
            registers,
        }),
        alertPosts: new Counter({
            name: "secretsync_alert_posts_total",
            help: "Posts to Alertmanager by outcome.",
            labelNames: ["outcome"],
            registers,
        }),
        lastSuccess: new Gauge({
            name: "secretsync_last_successful_check_timestamp_seconds",
            help: "Unix time of the last complete check.",
            registers,
        }),
        consecutiveFailures: new Gauge({
            name: "secretsync_consecutive_failed_checks",
            help: "Checks in a row that could not complete.",
            registers,
        }),
        exposures: new Gauge({
            name: "secretsync_exposures",
            help: "Leaked-credential findings (logs, alerts, ESC plain values).",
            registers,
        }),
    };
    for (const k of DRIFT_KINDS) m.drift.set({ kind: k }, 0);
    return m;
}
