import { CHAT_CACHE, CHAT_CACHE_HIT_RESULTS, JOBS } from "../names";
import { AlertingRule, RecordingRule, RuleGroup } from "../types";
import { RuleOptions } from "./options";

/** Platform score weights from the original design; see docs/monitoring.md "Unified health". */
export const PLATFORM_WEIGHTS = { performance: 0.4, optimisation: 0.2, system: 0.4 } as const;

/** Status bands: the status value is the number of thresholds met (4 excellent ... 0 critical). */
export const HEALTH_BANDS = [
    { status: 4, name: "excellent", min: 0.9 },
    { status: 3, name: "good", min: 0.75 },
    { status: 2, name: "fair", min: 0.6 },
    { status: 1, name: "poor", min: 0.4 },
    { status: 0, name: "critical", min: 0 },
] as const;

/** A node counts as fully healthy while at least this fraction of its memory and root disk is free. */
export const NODE_HEADROOM_FULL = 0.2;

/** `(x >= bool 0.9) + (x >= bool 0.75) + ...`: 4 excellent, 3 good, 2 fair, 1 poor, 0 critical. */
export function statusExpr(metric: string): string {
    return HEALTH_BANDS.filter((b) => b.min > 0)
        .map((b) => `(${metric} >= bool ${b.min})`)
        .join(" + ");
}

/** `(x or on(service) (0 * service:up:ratio + fallback))`: a missing component never degrades health. */
function orDefault(metric: string, fallback: 0 | 1): string {
    return `(${metric} or on(service) (0 * service:up:ratio + ${fallback}))`;
}

/** Hit ratio of cacheable requests (everything but bypass) over `window`; NaN (no traffic) is dropped by `>= 0`. */
export function hitRatioExpr(window: string): string {
    const hits = CHAT_CACHE_HIT_RESULTS.join("|");
    return `(sum by (service) (rate(${CHAT_CACHE.requests}{service="${JOBS.chatCache}",result=~"${hits}"}[${window}])) / sum by (service) (rate(${CHAT_CACHE.requests}{service="${JOBS.chatCache}",result!="bypass"}[${window}]))) >= 0`;
}

/** Per-service and platform health recording rules. */
export function healthRecordingRules(opts: RuleOptions): RecordingRule[] {
    // One rule per record name, services joined with `or`: two rules recording the same series would race.
    const union = (parts: string[]) => parts.map((p) => `(${p})`).join(" or ");
    const errorRules: RecordingRule[] =
        opts.errorSignals.length === 0
            ? []
            : [
                  {
                      record: "service:error:ratio_rate5m",
                      // `>= 0` drops the NaN of 0/0 when a service had no requests: no traffic is not an error.
                      expr: union(
                          opts.errorSignals.map(
                              (s) =>
                                  `(sum by (service) (rate(${s.errors}[5m])) or sum by (service) (0 * rate(${s.total}[5m]))) / sum by (service) (rate(${s.total}[5m])) >= 0`,
                          ),
                      ),
                  },
              ];
    const latencyRules: RecordingRule[] =
        opts.latencyObjectives.length === 0
            ? []
            : [
                  {
                      record: "service:latency_p95:seconds5m",
                      expr: union(
                          opts.latencyObjectives.map((o) => {
                              const sel = `${o.histogram}_bucket{service="${o.service}"${o.matchers ? `,${o.matchers}` : ""}}`;
                              return `histogram_quantile(0.95, sum by (service, le) (rate(${sel}[5m]))) >= 0`;
                          }),
                      ),
                  },
                  {
                      record: "service:latency:score",
                      // 1 within the objective, objective/p95 above it (p95 at twice the objective scores 0.5).
                      expr: union(
                          opts.latencyObjectives.map(
                              (o) =>
                                  `clamp_max(${o.seconds} / service:latency_p95:seconds5m{service="${o.service}"}, 1)`,
                          ),
                      ),
                  },
              ];
    return [
        { record: "service:up:ratio", expr: "avg by (service) (up)" },
        ...errorRules,
        ...latencyRules,
        {
            record: "service:readiness:ratio",
            expr: [
                `max by (service) (redis_up{service="${JOBS.redis}"})`,
                `max by (service) (pg_up{service="${JOBS.postgres}"})`,
                `max by (service) (secretsync_consecutive_failed_checks{service="${JOBS.syncMonitor}"} < bool 3)`,
            ].join(" or "),
        },
        {
            record: "service:availability:ratio",
            expr: `service:up:ratio * ${orDefault("service:readiness:ratio", 1)}`,
        },
        {
            record: "service:performance:score",
            expr: "(1 - clamp_max(service:error:ratio_rate5m, 1)) * on(service) (service:latency:score or on(service) (0 * service:error:ratio_rate5m + 1)) or on(service) service:latency:score",
        },
        {
            record: "service:health:ratio",
            expr: `service:availability:ratio * ${orDefault("service:performance:score", 1)}`,
        },
        { record: "service:health:status", expr: statusExpr("service:health:ratio") },
        { record: "chatcache:hit:ratio_rate5m", expr: hitRatioExpr("5m") },
        { record: "chatcache:hit:ratio_rate1h", expr: hitRatioExpr("1h") },
        {
            record: "instance:memory_available:ratio",
            expr: `max by (instance) (node_memory_MemAvailable_bytes{service="${JOBS.nodeExporter}"} / node_memory_MemTotal_bytes{service="${JOBS.nodeExporter}"})`,
        },
        {
            record: "instance:rootfs_available:ratio",
            expr: `max by (instance) (node_filesystem_avail_bytes{service="${JOBS.nodeExporter}",mountpoint="/"} / node_filesystem_size_bytes{service="${JOBS.nodeExporter}",mountpoint="/"})`,
        },
        {
            record: "instance:headroom:score",
            // The scarcer of free memory and free root disk, scaled so >= 20% free scores 1.
            expr: `clamp(((instance:memory_available:ratio < instance:rootfs_available:ratio) or instance:rootfs_available:ratio or instance:memory_available:ratio) / ${NODE_HEADROOM_FULL}, 0, 1)`,
        },
        { record: "platform:performance:score", expr: "avg(service:performance:score) or vector(1)" },
        {
            record: "platform:optimisation:score",
            expr: `clamp_max(max(chatcache:hit:ratio_rate1h) / ${opts.hitRatioTarget}, 1) or vector(1)`,
        },
        {
            record: "platform:system:score",
            expr: "(avg(service:availability:ratio) or vector(1)) * (avg(instance:headroom:score) or vector(1))",
        },
        {
            record: "platform:health:score",
            expr: `${PLATFORM_WEIGHTS.performance} * platform:performance:score + ${PLATFORM_WEIGHTS.optimisation} * platform:optimisation:score + ${PLATFORM_WEIGHTS.system} * platform:system:score`,
        },
        { record: "platform:health:status", expr: statusExpr("platform:health:score") },
    ];
}

/** Alerts on the health scores, error ratios and latency objectives. */
export function healthAlerts(opts: RuleOptions): AlertingRule[] {
    const latencyBreach = opts.latencyObjectives
        .map((o) => `service:latency_p95:seconds5m{service="${o.service}"} > ${o.seconds}`)
        .join(" or ");
    return [
        {
            alert: "ServiceHealthDegraded",
            expr: "service:health:status <= 1",
            for: "10m",
            labels: { severity: "warning" },
            annotations: {
                summary: "{{ $labels.service }} health is poor or critical",
                description:
                    "The unified health ratio of {{ $labels.service }} (availability x readiness x (1 - error ratio) x latency score) has been below 0.6 for 10 minutes.",
                recommendation:
                    "Open the Golden signals dashboard for {{ $labels.service }}; the component that dropped (targets up, readiness, errors or latency) names the cause. Check its own alerts first.",
            },
        },
        {
            alert: "PlatformHealthDegraded",
            expr: "platform:health:status == 1",
            for: "10m",
            labels: { severity: "warning" },
            annotations: {
                summary: "Platform health is poor",
                description:
                    "The weighted platform score (0.4 performance + 0.2 optimisation + 0.4 system) has been between 0.4 and 0.6 for 10 minutes.",
                recommendation:
                    "Open the Platform health dashboard and find which of performance, optimisation or system dropped, then follow the service alerts behind it.",
            },
        },
        {
            alert: "PlatformHealthCritical",
            expr: "platform:health:status == 0",
            for: "5m",
            labels: { severity: "critical" },
            annotations: {
                summary: "Platform health is critical",
                description:
                    "The weighted platform score has been below 0.4 for 5 minutes: several services are down, failing or out of headroom.",
                recommendation:
                    "Treat as an incident: check ServiceDown, NodeDown, RedisDown and PostgresDown first, since they explain most of the score.",
            },
        },
        {
            alert: "ServiceHighErrorRatio",
            expr: "service:error:ratio_rate5m > 0.05",
            for: "5m",
            labels: { severity: "warning" },
            annotations: {
                summary: "{{ $labels.service }} fails more than 5% of requests",
                description:
                    "Over the last 5 minutes more than 5% of {{ $labels.service }} requests failed, for 5 minutes in a row.",
                recommendation:
                    "Read the service logs for the failing requests; for chat-cache check the upstream provider and Redis, for sync-monitor the GitHub/ESC API status and token scopes.",
            },
        },
        {
            alert: "ServiceLatencyObjectiveBreach",
            expr: latencyBreach,
            for: "10m",
            labels: { severity: "warning" },
            annotations: {
                summary: "{{ $labels.service }} p95 latency is above its objective",
                description:
                    "The 5-minute p95 latency of {{ $labels.service }} has been above its objective for 10 minutes.",
                recommendation:
                    "Check CPU throttling and memory of the service's tasks (Golden signals dashboard) and the latency of its dependencies; scale out or raise the service's tier if it is saturated.",
            },
        },
    ];
}

/** The health rule group. */
export function healthGroup(opts: RuleOptions): RuleGroup {
    return { name: "sophia-health", rules: [...healthRecordingRules(opts), ...healthAlerts(opts)] };
}
