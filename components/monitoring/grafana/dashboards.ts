import { CHAT_CACHE, JOBS, SYNC_MONITOR } from "../names";
import { HEALTH_BANDS } from "../rules/health";
import { OVERLAY_PROBE_METRICS as OP } from "../../../runtime/overlay-probe/src/contract";
import {
    Dashboard,
    dashboard,
    labelVariable,
    matrixTable,
    query as q,
    row,
    stat,
    timeseries,
    ValueMapping,
} from "./model";

const BAND_COLOURS: Record<string, string> = {
    excellent: "green",
    good: "#73BF69",
    fair: "yellow",
    poor: "orange",
    critical: "red",
};

/** Maps a status value (0..4) to its band name and colour. */
const STATUS_MAPPING: ValueMapping = {
    type: "value",
    options: Object.fromEntries(
        HEALTH_BANDS.map((b, i) => [String(b.status), { text: b.name, color: BAND_COLOURS[b.name], index: i }]),
    ),
};

/** Score thresholds at the band boundaries (red below 0.4). */
const SCORE_THRESHOLDS: [number, string][] = HEALTH_BANDS.filter((b) => b.min > 0)
    .reverse()
    .map((b) => [b.min, BAND_COLOURS[b.name]]);
const STATUS_THRESHOLDS: [number, string][] = [
    [1, "orange"],
    [2, "yellow"],
    [3, "#73BF69"],
    [4, "green"],
];

const cc = `service="${JOBS.chatCache}"`;
const sm = `service="${JOBS.syncMonitor}"`;
const rd = `service="${JOBS.redis}"`;

/** Unified platform health: the weighted score, its three parts, per-service health and anomaly z-scores. */
export function platformHealthDashboard(): Dashboard {
    return dashboard(
        "sophia-platform-health",
        "Sophia / Platform health",
        "Weighted platform score (0.4 performance + 0.2 optimisation + 0.4 system), per-service health and anomalies. See docs/monitoring.md.",
        [
            stat("Platform score", q("platform:health:score"), {
                unit: "percentunit",
                decimals: 1,
                thresholds: SCORE_THRESHOLDS,
            }),
            stat("Status", q("platform:health:status"), { mappings: [STATUS_MAPPING], thresholds: STATUS_THRESHOLDS }),
            stat("Firing critical alerts", q('count(ALERTS{alertstate="firing",severity="critical"}) or vector(0)'), {
                thresholds: [
                    [0, "green"],
                    [1, "red"],
                ],
            }),
            stat("Firing warnings", q('count(ALERTS{alertstate="firing",severity="warning"}) or vector(0)'), {
                thresholds: [
                    [0, "green"],
                    [1, "orange"],
                ],
            }),
            stat("Performance (x0.4)", q("platform:performance:score"), {
                unit: "percentunit",
                decimals: 1,
                thresholds: SCORE_THRESHOLDS,
                width: 8,
                description: "Mean over request-serving services of (1 - error ratio) x latency score.",
            }),
            stat("Optimisation (x0.2)", q("platform:optimisation:score"), {
                unit: "percentunit",
                decimals: 1,
                thresholds: SCORE_THRESHOLDS,
                width: 8,
                description: "chat-cache 1h hit ratio against its target (1 at or above the target).",
            }),
            stat("System (x0.4)", q("platform:system:score"), {
                unit: "percentunit",
                decimals: 1,
                thresholds: SCORE_THRESHOLDS,
                width: 8,
                description:
                    "Mean service availability x readiness, times mean node headroom (free memory and root disk).",
            }),
            timeseries(
                "Platform score and parts",
                [
                    q("platform:health:score", "platform"),
                    q("platform:performance:score", "performance"),
                    q("platform:optimisation:score", "optimisation"),
                    q("platform:system:score", "system"),
                ],
                { unit: "percentunit", min: 0, max: 1, width: 24 },
            ),
            row("Services"),
            timeseries("Service health", [q("service:health:ratio", "{{service}}")], {
                unit: "percentunit",
                min: 0,
                max: 1,
            }),
            timeseries(
                "Service availability (targets up x readiness)",
                [q("service:availability:ratio", "{{service}}")],
                { unit: "percentunit", min: 0, max: 1 },
            ),
            timeseries(
                "Anomaly z-scores (alert above 3 sigma for 10m)",
                [q('{__name__=~".+:zscore1h"}', "{{__name__}} {{service}}")],
                { width: 24 },
            ),
            timeseries("Node headroom", [q("instance:headroom:score", "{{instance}}")], {
                unit: "percentunit",
                min: 0,
                max: 1,
            }),
            timeseries("Firing alerts", [
                q('sum by (alertname, severity) (ALERTS{alertstate="firing"})', "{{alertname}} ({{severity}})"),
            ]),
        ],
    );
}

/** Traffic, errors, latency and saturation for one or more services. */
export function goldenSignalsDashboard(): Dashboard {
    const s = 'service=~"$service"';
    const traffic = `sum by (service) (rate({${s},__name__=~"${CHAT_CACHE.requests}|${SYNC_MONITOR.apiDuration}_count|redis_commands_processed_total|pg_stat_database_xact_commit"}[$__rate_interval]))`;
    const swarm = 'container_label_com_docker_swarm_service_name=~"$swarm_service"';
    return dashboard(
        "sophia-golden-signals",
        "Sophia / Golden signals",
        "Per-service traffic, errors, latency (p95 vs objective) and saturation (CPU, memory, container limits).",
        [
            timeseries("Traffic (requests/s)", [q(traffic, "{{service}}")], { unit: "reqps" }),
            timeseries("Error ratio (5m)", [q(`service:error:ratio_rate5m{${s}}`, "{{service}}")], {
                unit: "percentunit",
                min: 0,
            }),
            timeseries("Latency p95 (5m)", [q(`service:latency_p95:seconds5m{${s}}`, "{{service}}")], {
                unit: "s",
                min: 0,
            }),
            timeseries(
                "Health",
                [q(`service:health:ratio{${s}}`, "{{service}}"), q(`service:up:ratio{${s}}`, "{{service}} up")],
                { unit: "percentunit", min: 0, max: 1 },
            ),
            timeseries("Targets up", [q(`up{${s}}`, "{{service}} {{instance}}")], { min: 0, max: 1 }),
            timeseries(
                "Process CPU (cores)",
                [q(`rate(process_cpu_seconds_total{${s}}[$__rate_interval])`, "{{service}} {{instance}}")],
                { unit: "short", min: 0 },
            ),
            timeseries(
                "Process resident memory",
                [q(`process_resident_memory_bytes{${s}}`, "{{service}} {{instance}}")],
                { unit: "bytes", min: 0 },
            ),
            timeseries(
                "Event loop lag p99 (Node services)",
                [q(`nodejs_eventloop_lag_p99_seconds{${s}}`, "{{service}} {{instance}}")],
                { unit: "s", min: 0 },
            ),
            row("Containers (cAdvisor)"),
            timeseries(
                "Container CPU (cores)",
                [
                    q(
                        `sum by (container_label_com_docker_swarm_task_name) (rate(container_cpu_usage_seconds_total{${swarm}}[$__rate_interval]))`,
                        "{{container_label_com_docker_swarm_task_name}}",
                    ),
                ],
                { min: 0 },
            ),
            timeseries(
                "Container memory / limit",
                [
                    q(
                        `max by (container_label_com_docker_swarm_task_name) (container_memory_working_set_bytes{${swarm}} / (container_spec_memory_limit_bytes{${swarm}} > 0))`,
                        "{{container_label_com_docker_swarm_task_name}}",
                    ),
                ],
                { unit: "percentunit", min: 0, max: 1 },
            ),
            timeseries(
                "CPU throttling (share of periods)",
                [
                    q(
                        `sum by (container_label_com_docker_swarm_task_name) (rate(container_cpu_cfs_throttled_periods_total{${swarm}}[$__rate_interval])) / sum by (container_label_com_docker_swarm_task_name) (rate(container_cpu_cfs_periods_total{${swarm}}[$__rate_interval]))`,
                        "{{container_label_com_docker_swarm_task_name}}",
                    ),
                ],
                { unit: "percentunit", min: 0 },
            ),
        ],
        [
            labelVariable("service", "Service", "up", "service", { includeAll: true, multi: true }),
            labelVariable(
                "swarm_service",
                "Swarm service",
                "container_last_seen",
                "container_label_com_docker_swarm_service_name",
                { includeAll: true, multi: true },
            ),
        ],
    );
}

/** chat-cache: hit ratio, latency, upstream queue and Redis. */
export function chatCacheDashboard(): Dashboard {
    const hq = (quantile: number, metric: string, by: string) =>
        `histogram_quantile(${quantile}, sum by (${by}) (rate(${metric}_bucket{${cc}}[$__rate_interval])))`;
    return dashboard(
        "sophia-chat-cache",
        "Sophia / chat-cache",
        "Response cache in front of the LLM upstream: hit ratio, latency, upstream queue and Redis.",
        [
            stat("Hit ratio (1h)", q("chatcache:hit:ratio_rate1h"), {
                unit: "percentunit",
                decimals: 1,
                thresholds: [
                    [0.1, "orange"],
                    [0.3, "green"],
                ],
            }),
            stat("Hit ratio (5m)", q("chatcache:hit:ratio_rate5m"), {
                unit: "percentunit",
                decimals: 1,
                thresholds: [
                    [0.1, "orange"],
                    [0.3, "green"],
                ],
            }),
            stat("Redis circuit", q(`max(${CHAT_CACHE.redisCircuitOpen}{${cc}})`), {
                mappings: [
                    {
                        type: "value",
                        options: {
                            "0": { text: "closed", color: "green", index: 0 },
                            "1": { text: "OPEN", color: "red", index: 1 },
                        },
                    },
                ],
                thresholds: [
                    [0, "green"],
                    [1, "red"],
                ],
            }),
            stat("Tokens saved (24h)", q(`sum(increase(${CHAT_CACHE.savedTokens}{${cc}}[24h]))`), {
                thresholds: [[0, "blue"]],
            }),
            timeseries(
                "Requests by result",
                [q(`sum by (result) (rate(${CHAT_CACHE.requests}{${cc}}[$__rate_interval]))`, "{{result}}")],
                { unit: "reqps" },
            ),
            timeseries("Hit ratio", [q("chatcache:hit:ratio_rate5m", "5m"), q("chatcache:hit:ratio_rate1h", "1h")], {
                unit: "percentunit",
                min: 0,
                max: 1,
            }),
            timeseries(
                "Lookup latency by tier",
                [
                    q(hq(0.5, CHAT_CACHE.lookupDuration, "tier, le"), "p50 {{tier}}"),
                    q(hq(0.95, CHAT_CACHE.lookupDuration, "tier, le"), "p95 {{tier}}"),
                ],
                { unit: "s", min: 0 },
            ),
            timeseries(
                "Upstream latency",
                [
                    q(hq(0.95, CHAT_CACHE.upstreamDuration, "status, le"), "p95 {{status}}"),
                    q(hq(0.95, CHAT_CACHE.upstreamTtft, "le"), "p95 time to first token"),
                ],
                { unit: "s", min: 0 },
            ),
            timeseries(
                "Upstream in flight and queue",
                [
                    q(`sum(${CHAT_CACHE.upstreamInFlight}{${cc}})`, "in flight"),
                    q(`sum(${CHAT_CACHE.upstreamQueueDepth}{${cc}})`, "queued"),
                ],
                { min: 0 },
            ),
            timeseries(
                "Rejections by reason",
                [q(`sum by (reason) (rate(${CHAT_CACHE.rejections}{${cc}}[$__rate_interval]))`, "{{reason}}")],
                { unit: "reqps", min: 0 },
            ),
            timeseries(
                "Cache writes by outcome",
                [q(`sum by (outcome) (rate(${CHAT_CACHE.cacheWrites}{${cc}}[$__rate_interval]))`, "{{outcome}}")],
                { unit: "ops", min: 0 },
            ),
            timeseries(
                "chat-cache Redis errors by op",
                [q(`sum by (op) (rate(${CHAT_CACHE.redisErrors}{${cc}}[$__rate_interval]))`, "{{op}}")],
                { unit: "ops", min: 0 },
            ),
            row("Redis"),
            timeseries(
                "Redis memory",
                [q(`redis_memory_used_bytes{${rd}}`, "used"), q(`redis_memory_max_bytes{${rd}} > 0`, "maxmemory")],
                { unit: "bytes", min: 0 },
            ),
            timeseries(
                "Redis evictions and expirations",
                [
                    q(`rate(redis_evicted_keys_total{${rd}}[$__rate_interval])`, "evicted"),
                    q(`rate(redis_expired_keys_total{${rd}}[$__rate_interval])`, "expired"),
                ],
                { unit: "ops", min: 0 },
            ),
            timeseries(
                "Redis commands and clients",
                [
                    q(`rate(redis_commands_processed_total{${rd}}[$__rate_interval])`, "commands/s"),
                    q(`redis_connected_clients{${rd}}`, "clients"),
                ],
                { min: 0 },
            ),
            timeseries(
                "Redis keyspace hit ratio",
                [
                    q(
                        `rate(redis_keyspace_hits_total{${rd}}[$__rate_interval]) / (rate(redis_keyspace_hits_total{${rd}}[$__rate_interval]) + rate(redis_keyspace_misses_total{${rd}}[$__rate_interval]))`,
                        "hit ratio",
                    ),
                ],
                { unit: "percentunit", min: 0, max: 1 },
            ),
        ],
    );
}

/** Secret sync: health %, drift by kind, API latency and rate limit. */
export function secretSyncDashboard(): Dashboard {
    return dashboard(
        "sophia-secret-sync",
        "Sophia / Secret sync",
        "ESC -> GitHub secret sync: health, drift by kind, API latency and rate limit.",
        [
            stat("Sync health", q(`max(${SYNC_MONITOR.healthPercent}{${sm}})`), {
                unit: "percent",
                decimals: 1,
                thresholds: [
                    [90, "orange"],
                    [100, "green"],
                ],
            }),
            stat("Drifted secrets", q(`sum(${SYNC_MONITOR.drift}{${sm}})`), {
                thresholds: [
                    [0, "green"],
                    [1, "orange"],
                ],
            }),
            stat("Since last complete check", q(`time() - max(${SYNC_MONITOR.lastSuccess}{${sm}})`), {
                unit: "s",
                thresholds: [
                    [0, "green"],
                    [900, "orange"],
                    [1800, "red"],
                ],
            }),
            stat("Consecutive failed checks", q(`max(${SYNC_MONITOR.consecutiveFailures}{${sm}})`), {
                thresholds: [
                    [0, "green"],
                    [1, "orange"],
                    [3, "red"],
                ],
            }),
            timeseries("Sync health %", [q(`max(${SYNC_MONITOR.healthPercent}{${sm}})`, "health")], {
                unit: "percent",
                min: 0,
                max: 100,
            }),
            timeseries("Drift by kind", [q(`sum by (kind) (${SYNC_MONITOR.drift}{${sm}})`, "{{kind}}")], { min: 0 }),
            timeseries(
                "API latency p95 by API",
                [
                    q(
                        `histogram_quantile(0.95, sum by (api, le) (rate(${SYNC_MONITOR.apiDuration}_bucket{${sm}}[$__rate_interval])))`,
                        "{{api}}",
                    ),
                ],
                { unit: "s", min: 0 },
            ),
            timeseries(
                "API requests by status",
                [
                    q(
                        `sum by (api, status) (rate(${SYNC_MONITOR.apiDuration}_count{${sm}}[$__rate_interval]))`,
                        "{{api}} {{status}}",
                    ),
                ],
                { unit: "reqps", min: 0 },
            ),
            timeseries(
                "GitHub rate limit remaining",
                [q(`min by (resource) (${SYNC_MONITOR.rateLimitRemaining}{${sm}})`, "{{resource}}")],
                { min: 0 },
            ),
            timeseries(
                "Check duration p95",
                [
                    q(
                        `histogram_quantile(0.95, sum by (le) (rate(${SYNC_MONITOR.checkDuration}_bucket{${sm}}[$__rate_interval])))`,
                        "p95",
                    ),
                ],
                { unit: "s", min: 0 },
            ),
            timeseries(
                "Heals by outcome",
                [
                    q(
                        `sum by (outcome, risk) (increase(${SYNC_MONITOR.heals}{${sm}}[$__rate_interval]))`,
                        "{{outcome}} ({{risk}})",
                    ),
                ],
                { min: 0 },
            ),
            timeseries(
                "Alert posts by outcome",
                [q(`sum by (outcome) (increase(${SYNC_MONITOR.alertPosts}{${sm}}[$__rate_interval]))`, "{{outcome}}")],
                { min: 0 },
            ),
        ],
    );
}

/** Path states of the overlay matrix: 2 × small + full, so each combination has its own value. */
export const OVERLAY_PATH_STATES: ValueMapping = {
    type: "value",
    options: {
        "3": { text: "ok", color: "green", index: 0 },
        "2": { text: "MTU black hole", color: "orange", index: 1 },
        "1": { text: "small fails", color: "yellow", index: 2 },
        "0": { text: "down", color: "red", index: 3 },
    },
};

/** The overlay data plane: per network, a source × destination matrix of the last probe results, and path RTTs. */
export function overlayDashboard(): Dashboard {
    const net = `network=~"$network"`;
    const size = (s: string) => `max by (network, src, dst) (${OP.success}{${net},size="${s}"})`;
    return dashboard(
        "sophia-overlay",
        "Sophia / Overlay network",
        "Cross-node probes of every overlay network (runtime/overlay-probe): rows are the probing node, columns the probed node. ok = small and full-size probes pass; MTU black hole = only small ones pass; down = nothing passes. See docs/monitoring.md (OverlayPathDown, OverlayMtuBlackHole).",
        [
            matrixTable("Path matrix: $network (source × destination)", `2 * ${size("small")} + ${size("full")}`, {
                rowLabel: "src",
                columnLabel: "dst",
                mappings: [OVERLAY_PATH_STATES],
                thresholds: [
                    [1, "yellow"],
                    [2, "orange"],
                    [3, "green"],
                ],
                repeat: "network",
                width: 12,
                height: 8,
            }),
            stat("Broken paths", q(`count(${OP.success}{${net}} == 0) or vector(0)`), {
                thresholds: [
                    [0, "green"],
                    [1, "red"],
                ],
            }),
            stat("Peers seen per node (min)", q(`min(${OP.peers}{${net}})`), { thresholds: [[0, "green"]] }),
            stat("Oldest last success of any path", q(`time() - min(${OP.lastSuccess}{${net}})`), {
                unit: "s",
                thresholds: [
                    [0, "green"],
                    [60, "orange"],
                    [120, "red"],
                ],
            }),
            timeseries(
                "Small probe RTT by path",
                [q(`max by (network, src, dst) (${OP.rtt}{${net},size="small"})`, "{{network}} {{src}} → {{dst}}")],
                { unit: "s", min: 0 },
            ),
            timeseries(
                "Full-size probe RTT by path",
                [q(`max by (network, src, dst) (${OP.rtt}{${net},size="full"})`, "{{network}} {{src}} → {{dst}}")],
                { unit: "s", min: 0 },
            ),
        ],
        [labelVariable("network", "Network", OP.success, "network", { includeAll: true, multi: true })],
    );
}

/** Every dashboard, keyed by file name. */
export function buildDashboards(): Record<string, Dashboard> {
    const list = [
        platformHealthDashboard(),
        goldenSignalsDashboard(),
        chatCacheDashboard(),
        secretSyncDashboard(),
        overlayDashboard(),
    ];
    return Object.fromEntries(list.map((d) => [`${d.uid}.json`, d]));
}
