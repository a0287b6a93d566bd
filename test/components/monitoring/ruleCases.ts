/**
 * Synthetic series for `promtool test rules`: for every alert a case where it fires and one where it stays quiet, and
 * expression checks for every recording rule. Series are one sample per minute.
 */
import { OVERLAY_CASES } from "./overlayCases";

/** One input series in promtool notation. */
export interface InputSeries {
    readonly series: string;
    readonly values: string;
}

/** An extra PromQL assertion evaluated in the case's data. */
export interface ExprCheck {
    readonly expr: string;
    readonly evalTime: string;
    /** Expected samples: label string (`{service="x"}`) and value. */
    readonly samples: readonly { readonly labels: string; readonly value: number }[];
}

export interface AlertCase {
    readonly alert: string;
    readonly name: string;
    readonly series: readonly InputSeries[];
    readonly evalTime: string;
    /** Expected alert label sets from the data (rule labels are added by the harness); [] = stays quiet. */
    readonly fires: readonly Record<string, string>[];
    readonly checks?: readonly ExprCheck[];
}

/** `n` samples, value of minute i from `f`. */
export function vals(n: number, f: (i: number) => number): string {
    return Array.from({ length: n }, (_, i) => String(f(i))).join(" ");
}

/** A gauge that changes from `before` to `after` at minute `onset`. */
export function step(before: number, after: number, onset = 70, end = 90): string {
    return vals(end + 1, (i) => (i < onset ? before : after));
}

/** A counter increasing by `before` per minute, then `after` per minute from `onset`. */
export function counter(before: number, after = before, onset = 70, end = 90): string {
    return vals(end + 1, (i) => (i <= onset ? i * before : onset * before + (i - onset) * after));
}

/** A series selector with the labels a scrape job adds (job, service, instance). */
export function sel(
    metric: string,
    service: string,
    extra: Record<string, string> = {},
    instance = "10.0.0.2:9000",
): string {
    const labels = { instance, job: service, service, ...extra };
    return `${metric}{${Object.entries(labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(",")}}`;
}

/** The data labels of a `sel()` series without the metric name. */
export function labelsOf(
    service: string,
    extra: Record<string, string> = {},
    instance = "10.0.0.2:9000",
): Record<string, string> {
    return { instance, job: service, service, ...extra };
}

const CC = "chat-cache";
const SM = "sync-monitor";
const svc = (service: string) => ({ service });

/** chat-cache request counters per minute by result. */
function chatRequests(perMinute: Record<string, number>, after?: Record<string, number>): InputSeries[] {
    return Object.keys({ ...perMinute, ...(after ?? {}) }).map((result) => ({
        series: sel("cache_requests_total", CC, { result, ttl_class: "default" }),
        values: counter(perMinute[result] ?? 0, (after ?? perMinute)[result] ?? 0),
    }));
}

/** A histogram whose observations per minute all fall into the bucket ending at `le` (before/after `onset`). */
function histogram(
    metric: string,
    service: string,
    buckets: number[],
    le: number,
    afterLe = le,
    perMinute = 10,
): InputSeries[] {
    return [...buckets.map(String), "+Inf"].map((b) => ({
        series: sel(`${metric}_bucket`, service, { le: b }),
        values: counter(
            b === "+Inf" || Number(b) >= le ? perMinute : 0,
            b === "+Inf" || Number(b) >= afterLe ? perMinute : 0,
        ),
    }));
}

const up = (service: string, v: string, instance = "10.0.0.2:9000"): InputSeries => ({
    series: sel("up", service, {}, instance),
    values: v,
});
const nodeInfo = (instance: string, node: string, v: string): InputSeries => ({
    series: sel("node_uname_info", "node-exporter", { nodename: node }, instance),
    values: v,
});

/** Anomaly signals: data before/after a step at minute 70, checked at minute 84 (14 minutes into the anomaly). */
interface AnomalyData {
    readonly alert: string;
    readonly zscore: string;
    readonly labels: Record<string, string>;
    readonly steady: () => InputSeries[];
    readonly anomalous: () => InputSeries[];
}

const ANOMALIES: AnomalyData[] = [
    {
        alert: "LatencyAnomaly",
        zscore: "service:latency_p95:zscore1h",
        labels: svc(CC),
        steady: () => histogram("cache_lookup_duration_seconds", CC, [0.01, 0.1], 0.01),
        anomalous: () => histogram("cache_lookup_duration_seconds", CC, [0.01, 0.1], 0.01, 0.1),
    },
    {
        alert: "ErrorRatioAnomaly",
        zscore: "service:error:zscore1h",
        labels: svc(CC),
        steady: () => chatRequests({ error: 1, hit: 199 }),
        anomalous: () => chatRequests({ error: 1, hit: 199 }, { error: 40, hit: 160 }),
    },
    {
        alert: "ChatCacheHitRatioAnomaly",
        zscore: "chatcache:hit:zscore1h",
        labels: svc(CC),
        steady: () => chatRequests({ hit: 60, miss: 40 }),
        anomalous: () => chatRequests({ hit: 60, miss: 40 }, { hit: 10, miss: 90 }),
    },
    {
        alert: "RedisMemoryAnomaly",
        zscore: "redis:memory_used:zscore1h",
        labels: svc("redis"),
        steady: () => [{ series: sel("redis_memory_used_bytes", "redis"), values: step(1e8, 1e8) }],
        anomalous: () => [{ series: sel("redis_memory_used_bytes", "redis"), values: step(1e8, 5e8) }],
    },
    {
        alert: "RedisEvictionAnomaly",
        zscore: "redis:evicted_keys:zscore1h",
        labels: svc("redis"),
        steady: () => [{ series: sel("redis_evicted_keys_total", "redis"), values: counter(0) }],
        anomalous: () => [{ series: sel("redis_evicted_keys_total", "redis"), values: counter(0, 600) }],
    },
    {
        alert: "PostgresConnectionsAnomaly",
        zscore: "postgres:connections:zscore1h",
        labels: svc("postgres"),
        steady: () => [
            { series: sel("pg_stat_database_numbackends", "postgres", { datname: "sophia" }), values: step(10, 10) },
        ],
        anomalous: () => [
            { series: sel("pg_stat_database_numbackends", "postgres", { datname: "sophia" }), values: step(10, 60) },
        ],
    },
    {
        alert: "SecretSyncHealthAnomaly",
        zscore: "secretsync:health:zscore1h",
        labels: svc(SM),
        steady: () => [{ series: sel("secretsync_sync_health_percent", SM), values: step(100, 100) }],
        anomalous: () => [{ series: sel("secretsync_sync_health_percent", SM), values: step(100, 80) }],
    },
];

const anomalyGuardCases: AlertCase[] = [
    {
        alert: "ChatCacheHitRatioAnomaly",
        name: "stays quiet when the same drop happens at a trickle of traffic",
        evalTime: "84m",
        fires: [],
        series: chatRequests({ hit: 6, miss: 4 }, { hit: 1, miss: 9 }),
        checks: [
            { expr: "count(chatcache:hit:zscore1h < -3)", evalTime: "84m", samples: [{ labels: "{}", value: 1 }] },
        ],
    },
];

const anomalyCases: AlertCase[] = ANOMALIES.flatMap((a) => [
    {
        alert: a.alert,
        name: "fires 14 minutes after a step change",
        series: a.anomalous(),
        evalTime: "84m",
        fires: [a.labels],
        checks: [{ expr: `count(abs(${a.zscore}) > 3)`, evalTime: "84m", samples: [{ labels: "{}", value: 1 }] }],
    },
    {
        alert: a.alert,
        name: "stays quiet on a steady signal",
        series: a.steady(),
        evalTime: "84m",
        fires: [],
        checks: [
            {
                expr: `abs(${a.zscore}) < bool 0.5`,
                evalTime: "84m",
                samples: [{ labels: `{service="${a.labels.service}"}`, value: 1 }],
            },
        ],
    },
]);

/** Every alert case. */
export const ALERT_CASES: readonly AlertCase[] = [
    // --- availability
    {
        alert: "TargetDown",
        name: "fires when a task stays unscrapable",
        evalTime: "8m",
        series: [up(CC, "1 1 0x10")],
        fires: [labelsOf(CC)],
    },
    { alert: "TargetDown", name: "ignores a short blip", evalTime: "8m", series: [up(CC, "1 1 0 0 1x8")], fires: [] },
    {
        alert: "ServiceDown",
        name: "fires when every task is down",
        evalTime: "6m",
        series: [up(CC, "1 1 0x10", "10.0.0.2:9000"), up(CC, "1 1 0x10", "10.0.0.3:9000")],
        fires: [svc(CC)],
        checks: [
            { expr: "service:up:ratio", evalTime: "6m", samples: [{ labels: '{service="chat-cache"}', value: 0 }] },
        ],
    },
    {
        alert: "ServiceDown",
        name: "stays quiet while one task is up",
        evalTime: "6m",
        series: [up(CC, "1x10", "10.0.0.2:9000"), up(CC, "1 1 0x10", "10.0.0.3:9000")],
        fires: [],
        checks: [
            { expr: "service:up:ratio", evalTime: "6m", samples: [{ labels: '{service="chat-cache"}', value: 0.5 }] },
        ],
    },
    {
        alert: "ServiceTargetsMissing",
        name: "fires for an expected service without targets",
        evalTime: "10m",
        series: [up(CC, "1x10")],
        fires: [svc(SM)],
    },
    {
        alert: "ServiceTargetsMissing",
        name: "stays quiet when every expected service has targets",
        evalTime: "10m",
        series: [up(CC, "1x10"), up(SM, "1x10")],
        fires: [],
    },
    {
        alert: "NodeDown",
        name: "fires when a node's exporter disappears",
        evalTime: "20m",
        series: [nodeInfo("10.0.1.2:9100", "node-a", "1x10 stale"), nodeInfo("10.0.1.3:9100", "node-b", "1x20")],
        fires: [{ node: "node-a" }],
        checks: [
            {
                expr: "node:instance:info",
                evalTime: "5m",
                samples: [
                    { labels: '{instance="10.0.1.2:9100",node="node-a"}', value: 1 },
                    { labels: '{instance="10.0.1.3:9100",node="node-b"}', value: 1 },
                ],
            },
        ],
    },
    {
        alert: "NodeDown",
        name: "stays quiet when the exporter moves to a new task on the same node",
        evalTime: "20m",
        series: [nodeInfo("10.0.1.2:9100", "node-a", "1x10 stale"), nodeInfo("10.0.1.9:9100", "node-a", "_x10 1x10")],
        fires: [],
    },
    // --- health
    {
        alert: "ServiceHealthDegraded",
        name: "fires when half the requests fail",
        evalTime: "25m",
        series: [up(CC, "1x30"), ...chatRequests({ error: 30, hit: 30 })],
        fires: [svc(CC)],
        checks: [
            {
                expr: "service:health:ratio",
                evalTime: "25m",
                samples: [{ labels: '{service="chat-cache"}', value: 0.5 }],
            },
            {
                expr: "service:health:status",
                evalTime: "25m",
                samples: [{ labels: '{service="chat-cache"}', value: 1 }],
            },
        ],
    },
    {
        alert: "ServiceHealthDegraded",
        name: "stays quiet at 1% errors",
        evalTime: "25m",
        series: [up(CC, "1x30"), ...chatRequests({ error: 1, hit: 99 })],
        fires: [],
        checks: [
            {
                expr: "service:health:status",
                evalTime: "25m",
                samples: [{ labels: '{service="chat-cache"}', value: 4 }],
            },
        ],
    },
    {
        alert: "PlatformHealthDegraded",
        name: "fires when the platform score is poor",
        evalTime: "25m",
        // performance 0.1, optimisation 0.1/0.3, system 1: 0.04 + 0.0667 + 0.4 = 0.507 (poor)
        series: [up(CC, "1x30"), ...chatRequests({ error: 90, hit: 10 })],
        fires: [{}],
        checks: [{ expr: "platform:health:status", evalTime: "25m", samples: [{ labels: "{}", value: 1 }] }],
    },
    {
        alert: "PlatformHealthDegraded",
        name: "stays quiet when everything is fine",
        evalTime: "25m",
        series: [up(CC, "1x30"), ...chatRequests({ hit: 100 })],
        fires: [],
        checks: [{ expr: "platform:health:score", evalTime: "25m", samples: [{ labels: "{}", value: 1 }] }],
    },
    {
        alert: "PlatformHealthCritical",
        name: "fires when the platform score is critical",
        evalTime: "25m",
        series: [up(CC, "0x30"), ...chatRequests({ error: 90, hit: 10 })],
        fires: [{}],
        checks: [{ expr: "platform:health:status", evalTime: "25m", samples: [{ labels: "{}", value: 0 }] }],
    },
    {
        alert: "PlatformHealthCritical",
        name: "stays quiet when the score is only poor",
        evalTime: "25m",
        series: [up(CC, "1x30"), ...chatRequests({ error: 90, hit: 10 })],
        fires: [],
    },
    {
        alert: "ServiceHighErrorRatio",
        name: "fires at 10% errors",
        evalTime: "15m",
        series: [up(CC, "1x20"), ...chatRequests({ error: 6, hit: 54 })],
        fires: [svc(CC)],
        checks: [
            {
                expr: "service:error:ratio_rate5m",
                evalTime: "15m",
                samples: [{ labels: '{service="chat-cache"}', value: 0.1 }],
            },
        ],
    },
    {
        alert: "ServiceHighErrorRatio",
        name: "stays quiet at 1% errors and without traffic",
        evalTime: "15m",
        series: [
            up(CC, "1x20"),
            ...chatRequests({ error: 1, hit: 99 }),
            {
                series: sel("cache_requests_total", CC, { result: "hit", ttl_class: "x" }, "10.0.0.9:9000"),
                values: "0x20",
            },
        ],
        fires: [],
    },
    {
        alert: "ServiceLatencyObjectiveBreach",
        name: "fires when lookup p95 is above 50ms",
        evalTime: "25m",
        series: histogram("cache_lookup_duration_seconds", CC, [0.01, 0.1], 0.1),
        fires: [svc(CC)],
        checks: [
            {
                expr: "service:latency_p95:seconds5m",
                evalTime: "25m",
                samples: [{ labels: '{service="chat-cache"}', value: 0.0955 }],
            },
            {
                expr: "service:latency:score",
                evalTime: "25m",
                samples: [{ labels: '{service="chat-cache"}', value: 0.05 / 0.0955 }],
            },
        ],
    },
    {
        alert: "ServiceLatencyObjectiveBreach",
        name: "stays quiet within the objective",
        evalTime: "25m",
        series: histogram("cache_lookup_duration_seconds", CC, [0.01, 0.1], 0.01),
        fires: [],
        checks: [
            {
                expr: "service:latency:score",
                evalTime: "25m",
                samples: [{ labels: '{service="chat-cache"}', value: 1 }],
            },
        ],
    },
    ...anomalyCases,
    ...anomalyGuardCases,
    ...capacityCases(),
    ...dependencyCases(),
    // --- overlay data plane
    ...OVERLAY_CASES,
];

function capacityCases(): AlertCase[] {
    const NE = "node-exporter";
    const fsLabels = { device: "/dev/sda1", fstype: "ext4", mountpoint: "/" };
    const inst = "10.0.1.2:9100";
    const info = nodeInfo(inst, "node-a", "1x40");
    const fsSeries = (avail: string): InputSeries[] => [
        { series: sel("node_filesystem_avail_bytes", NE, fsLabels, inst), values: avail },
        { series: sel("node_filesystem_size_bytes", NE, fsLabels, inst), values: "100000000000x40" },
        info,
    ];
    const memSeries = (avail: string): InputSeries[] => [
        { series: sel("node_memory_MemAvailable_bytes", NE, {}, inst), values: avail },
        { series: sel("node_memory_MemTotal_bytes", NE, {}, inst), values: "20000000000x40" },
        info,
    ];
    const cadvisor = {
        container_label_com_docker_swarm_service_name: "chat-cache",
        container_label_com_docker_swarm_node_id: "node-a",
        container_label_com_docker_swarm_task_name: "chat-cache.1.x",
        id: "/docker/abc",
        name: "chat-cache.1.x",
    };
    const cadvisorSeries = (ws: string, limit: string): InputSeries[] => [
        { series: sel("container_memory_working_set_bytes", "cadvisor", cadvisor, "10.0.1.2:8080"), values: ws },
        { series: sel("container_spec_memory_limit_bytes", "cadvisor", cadvisor, "10.0.1.2:8080"), values: limit },
    ];
    const redis = (used: string, max: string): InputSeries[] => [
        { series: sel("redis_memory_used_bytes", "redis"), values: used },
        { series: sel("redis_memory_max_bytes", "redis"), values: max },
    ];
    const tsdb = (v: string): InputSeries[] => [
        { series: sel("prometheus_tsdb_storage_blocks_bytes", "prometheus", {}, "localhost:9090"), values: v },
    ];
    return [
        {
            alert: "NodeFilesystemExhaustionPredicted",
            name: "fires when the root disk fills within 4h",
            evalTime: "35m",
            series: fsSeries("30000000000-200000000x40"),
            fires: [{ ...labelsOf(NE, fsLabels, inst), node: "node-a" }],
        },
        {
            alert: "NodeFilesystemExhaustionPredicted",
            name: "stays quiet on a flat disk",
            evalTime: "35m",
            series: fsSeries("30000000000x40"),
            fires: [],
        },
        {
            alert: "NodeMemoryExhaustionPredicted",
            name: "fires when available memory runs out within 2h",
            evalTime: "35m",
            series: memSeries("5000000000-50000000x40"),
            fires: [{ ...labelsOf(NE, {}, inst), node: "node-a" }],
            checks: [
                {
                    expr: "instance:memory_available:ratio",
                    evalTime: "0m",
                    samples: [{ labels: `{instance="${inst}"}`, value: 0.25 }],
                },
                {
                    expr: "instance:headroom:score",
                    evalTime: "0m",
                    samples: [{ labels: `{instance="${inst}"}`, value: 1 }],
                },
            ],
        },
        {
            alert: "NodeMemoryExhaustionPredicted",
            name: "stays quiet on flat memory",
            evalTime: "35m",
            series: memSeries("5000000000x40"),
            fires: [],
        },
        {
            alert: "ContainerMemoryExhaustionPredicted",
            name: "fires when a task grows into its limit within 1h",
            evalTime: "35m",
            series: cadvisorSeries("500000000+10000000x40", "1000000000x40"),
            fires: [{ ...labelsOf("cadvisor", cadvisor, "10.0.1.2:8080"), service: "chat-cache", node: "node-a" }],
        },
        {
            alert: "ContainerMemoryExhaustionPredicted",
            name: "stays quiet for a task without a memory limit",
            evalTime: "35m",
            series: cadvisorSeries("500000000+10000000x40", "0x40"),
            fires: [],
        },
        {
            alert: "RedisMemoryExhaustionPredicted",
            name: "fires when Redis reaches maxmemory within 4h",
            evalTime: "35m",
            series: redis("500000000+5000000x40", "1000000000x40"),
            fires: [labelsOf("redis")],
        },
        {
            alert: "RedisMemoryExhaustionPredicted",
            name: "stays quiet without maxmemory",
            evalTime: "35m",
            series: redis("500000000+5000000x40", "0x40"),
            fires: [],
        },
        {
            alert: "PrometheusStorageNearSizeCap",
            name: "fires above 90% of the size cap",
            evalTime: "40m",
            series: tsdb("9500000000x40"),
            fires: [labelsOf("prometheus", {}, "localhost:9090")],
        },
        {
            alert: "PrometheusStorageNearSizeCap",
            name: "stays quiet at half the cap",
            evalTime: "40m",
            series: tsdb("5000000000x40"),
            fires: [],
        },
    ];
}

function dependencyCases(): AlertCase[] {
    const gauge = (metric: string, service: string, v: string, extra: Record<string, string> = {}): InputSeries => ({
        series: sel(metric, service, extra),
        values: v,
    });
    const pg = (backends: string): InputSeries[] => [
        gauge("pg_stat_database_numbackends", "postgres", backends, { datname: "sophia" }),
        gauge("pg_settings_max_connections", "postgres", "100x20"),
    ];
    return [
        {
            alert: "RedisDown",
            name: "fires when the exporter reports Redis down",
            evalTime: "5m",
            series: [gauge("redis_up", "redis", "0x10")],
            fires: [svc("redis")],
        },
        {
            alert: "RedisDown",
            name: "stays quiet while Redis is up",
            evalTime: "5m",
            series: [gauge("redis_up", "redis", "1x10")],
            fires: [],
        },
        {
            alert: "PostgresDown",
            name: "fires when the exporter reports Postgres down",
            evalTime: "5m",
            series: [gauge("pg_up", "postgres", "0x10")],
            fires: [svc("postgres")],
        },
        {
            alert: "PostgresDown",
            name: "stays quiet while Postgres is up",
            evalTime: "5m",
            series: [gauge("pg_up", "postgres", "1x10")],
            fires: [],
        },
        {
            alert: "PostgresConnectionsNearLimit",
            name: "fires at 90 of 100 connections",
            evalTime: "10m",
            series: pg("90x20"),
            fires: [svc("postgres")],
        },
        {
            alert: "PostgresConnectionsNearLimit",
            name: "stays quiet at 50 of 100",
            evalTime: "10m",
            series: pg("50x20"),
            fires: [],
        },
        {
            alert: "ChatCacheRedisCircuitOpen",
            name: "fires while the circuit stays open",
            evalTime: "5m",
            series: [gauge("redis_circuit_open", CC, "1x10")],
            fires: [svc(CC)],
        },
        {
            alert: "ChatCacheRedisCircuitOpen",
            name: "stays quiet while closed",
            evalTime: "5m",
            series: [gauge("redis_circuit_open", CC, "0x10")],
            fires: [],
        },
        {
            alert: "ChatCacheUpstreamSaturated",
            name: "fires on sustained queue-full rejections",
            evalTime: "15m",
            series: [gauge("upstream_rejections_total", CC, "0+6x20", { reason: "queue_full" })],
            fires: [svc(CC)],
        },
        {
            alert: "ChatCacheUpstreamSaturated",
            name: "ignores rejections that are not saturation",
            evalTime: "15m",
            series: [gauge("upstream_rejections_total", CC, "0+6x20", { reason: "upstream_unreachable" })],
            fires: [],
        },
        {
            alert: "SecretSyncMonitorStale",
            name: "fires when the last check is over 30 minutes old",
            evalTime: "45m",
            series: [gauge("secretsync_last_successful_check_timestamp_seconds", SM, "0x60")],
            fires: [svc(SM)],
        },
        {
            alert: "SecretSyncMonitorStale",
            name: "stays quiet while checks complete",
            evalTime: "45m",
            series: [gauge("secretsync_last_successful_check_timestamp_seconds", SM, "0+60x60")],
            fires: [],
        },
        {
            alert: "SecretSyncRateLimitLow",
            name: "fires under 100 remaining requests",
            evalTime: "10m",
            series: [gauge("secretsync_ratelimit_remaining", SM, "50x20", { resource: "core" })],
            fires: [{ service: SM, resource: "core" }],
        },
        {
            alert: "SecretSyncRateLimitLow",
            name: "stays quiet with budget left",
            evalTime: "10m",
            series: [gauge("secretsync_ratelimit_remaining", SM, "4000x20", { resource: "core" })],
            fires: [],
        },
        {
            alert: "AlertmanagerNotificationsFailing",
            name: "fires when Slack deliveries keep failing",
            evalTime: "20m",
            series: [
                gauge("alertmanager_notifications_failed_total", "alertmanager", "0+1x30", { integration: "slack" }),
            ],
            fires: [{ service: "alertmanager", integration: "slack" }],
        },
        {
            alert: "AlertmanagerNotificationsFailing",
            name: "stays quiet without failures",
            evalTime: "20m",
            series: [
                gauge("alertmanager_notifications_failed_total", "alertmanager", "0x30", { integration: "slack" }),
            ],
            fires: [],
        },
        {
            alert: "PrometheusRuleEvaluationFailures",
            name: "fires on failing rule evaluations",
            evalTime: "20m",
            series: [
                gauge("prometheus_rule_evaluation_failures_total", "prometheus", "0+1x30", { rule_group: "health" }),
            ],
            fires: [{ service: "prometheus", rule_group: "health" }],
        },
        {
            alert: "PrometheusRuleEvaluationFailures",
            name: "stays quiet without failures",
            evalTime: "20m",
            series: [
                gauge("prometheus_rule_evaluation_failures_total", "prometheus", "0x30", { rule_group: "health" }),
            ],
            fires: [],
        },
    ];
}

/**
 * A whole-platform scenario for the health recording rules: chat-cache with one of two tasks up, 10% errors and a
 * 0.625 hit ratio; sync-monitor with 10% failed API calls and a 4.875s p95 (objective 2s); Redis, Postgres and one
 * node with 10% free memory.
 */
export function platformScenario(): { series: InputSeries[]; checks: ExprCheck[] } {
    const t = "25m";
    const series: InputSeries[] = [
        up(CC, "1x30", "10.0.0.2:9000"),
        up(CC, "0x30", "10.0.0.3:9000"),
        up(SM, "1x30"),
        up("redis", "1x30"),
        up("postgres", "1x30"),
        up("node-exporter", "1x30", "10.0.1.2:9100"),
        ...chatRequests({ error: 10, hit: 40, stale: 5, coalesced: 5, miss: 20, bypass: 20 }),
        ...histogram("cache_lookup_duration_seconds", CC, [0.01, 0.1], 0.01),
        ...["200", "502", "error"].map((status, i) => ({
            series: sel("secretsync_api_request_duration_seconds_count", SM, {
                api: "github",
                method: "GET",
                route: "/x",
                status,
            }),
            values: counter([90, 5, 5][i]),
        })),
        ...histogram("secretsync_api_request_duration_seconds", SM, [1, 2.5, 5], 5),
        { series: sel("secretsync_consecutive_failed_checks", SM), values: "0x30" },
        { series: sel("redis_up", "redis"), values: "1x30" },
        { series: sel("pg_up", "postgres"), values: "1x30" },
        { series: sel("redis_memory_used_bytes", "redis"), values: "100000000x30" },
        { series: sel("redis_evicted_keys_total", "redis"), values: counter(60, 60, 70, 30) },
        { series: sel("pg_stat_database_numbackends", "postgres", { datname: "sophia" }), values: "10x30" },
        { series: sel("pg_stat_database_numbackends", "postgres", { datname: "postgres" }), values: "2x30" },
        { series: sel("secretsync_sync_health_percent", SM), values: "95x30" },
        {
            series: sel("node_memory_MemAvailable_bytes", "node-exporter", {}, "10.0.1.2:9100"),
            values: "2000000000x30",
        },
        { series: sel("node_memory_MemTotal_bytes", "node-exporter", {}, "10.0.1.2:9100"), values: "20000000000x30" },
        {
            series: sel(
                "node_filesystem_avail_bytes",
                "node-exporter",
                { mountpoint: "/", device: "/dev/sda1", fstype: "ext4" },
                "10.0.1.2:9100",
            ),
            values: "50000000000x30",
        },
        {
            series: sel(
                "node_filesystem_size_bytes",
                "node-exporter",
                { mountpoint: "/", device: "/dev/sda1", fstype: "ext4" },
                "10.0.1.2:9100",
            ),
            values: "100000000000x30",
        },
    ];
    const s = (service: string) => `{service="${service}"}`;
    const smLatency = 2 / 4.875;
    const perf = { cc: 0.9 * 1, sm: (1 - 0.1) * smLatency };
    const availability = [0.5, 1, 1, 1, 1];
    const system = (availability.reduce((a, b) => a + b) / availability.length) * 0.5;
    const performance = (perf.cc + perf.sm) / 2;
    const score = 0.4 * performance + 0.2 * 1 + 0.4 * system;
    const check = (expr: string, samples: { labels: string; value: number }[]): ExprCheck => ({
        expr,
        evalTime: t,
        samples,
    });
    const checks: ExprCheck[] = [
        check("service:up:ratio", [
            { labels: s(CC), value: 0.5 },
            { labels: s("node-exporter"), value: 1 },
            { labels: s("postgres"), value: 1 },
            { labels: s("redis"), value: 1 },
            { labels: s(SM), value: 1 },
        ]),
        check("service:error:ratio_rate5m", [
            { labels: s(CC), value: 0.1 },
            { labels: s(SM), value: 0.1 },
        ]),
        check("service:latency_p95:seconds5m", [
            { labels: s(CC), value: 0.0095 },
            { labels: s(SM), value: 4.875 },
        ]),
        check("service:latency:score", [
            { labels: s(CC), value: 1 },
            { labels: s(SM), value: smLatency },
        ]),
        check("service:readiness:ratio", [
            { labels: s("postgres"), value: 1 },
            { labels: s("redis"), value: 1 },
            { labels: s(SM), value: 1 },
        ]),
        check("service:availability:ratio", [
            { labels: s(CC), value: 0.5 },
            { labels: s("node-exporter"), value: 1 },
            { labels: s("postgres"), value: 1 },
            { labels: s("redis"), value: 1 },
            { labels: s(SM), value: 1 },
        ]),
        check("service:performance:score", [
            { labels: s(CC), value: perf.cc },
            { labels: s(SM), value: perf.sm },
        ]),
        check("service:health:ratio", [
            { labels: s(CC), value: 0.5 * perf.cc },
            { labels: s("node-exporter"), value: 1 },
            { labels: s("postgres"), value: 1 },
            { labels: s("redis"), value: 1 },
            { labels: s(SM), value: perf.sm },
        ]),
        check("service:health:status", [
            { labels: s(CC), value: 1 },
            { labels: s("node-exporter"), value: 4 },
            { labels: s("postgres"), value: 4 },
            { labels: s("redis"), value: 4 },
            { labels: s(SM), value: 0 },
        ]),
        check("chatcache:hit:ratio_rate5m", [{ labels: s(CC), value: 0.625 }]),
        check("chatcache:hit:ratio_rate1h", [{ labels: s(CC), value: 0.625 }]),
        check("instance:memory_available:ratio", [{ labels: '{instance="10.0.1.2:9100"}', value: 0.1 }]),
        check("instance:rootfs_available:ratio", [{ labels: '{instance="10.0.1.2:9100"}', value: 0.5 }]),
        check("instance:headroom:score", [{ labels: '{instance="10.0.1.2:9100"}', value: 0.5 }]),
        check("platform:performance:score", [{ labels: "{}", value: performance }]),
        check("platform:optimisation:score", [{ labels: "{}", value: 1 }]),
        check("platform:system:score", [{ labels: "{}", value: system }]),
        check("platform:health:score", [{ labels: "{}", value: score }]),
        check("platform:health:status", [{ labels: "{}", value: 2 }]),
        check("redis:memory_used:bytes", [{ labels: s("redis"), value: 1e8 }]),
        check("redis:evicted_keys:rate5m", [{ labels: s("redis"), value: 1 }]),
        check("postgres:connections:count", [{ labels: s("postgres"), value: 12 }]),
        check("secretsync:health:ratio", [{ labels: s(SM), value: 0.95 }]),
    ];
    return { series, checks };
}
