import { CHAT_CACHE, JOBS, SYNC_MONITOR } from "../names";
import { RuleGroup } from "../types";
import { RuleOptions } from "./options";

/** Alerts on the data stores, the chat-cache's dependencies, the sync-monitor and the monitoring stack itself. */
export function dependenciesGroup(opts: RuleOptions): RuleGroup {
    const cc = `service="${JOBS.chatCache}"`;
    const sm = `service="${JOBS.syncMonitor}"`;
    return {
        name: "sophia-dependencies",
        rules: [
            {
                alert: "RedisDown",
                expr: `max by (service) (redis_up{service="${JOBS.redis}"}) == 0`,
                for: "1m",
                labels: { severity: "critical" },
                annotations: {
                    summary: "Redis is unreachable",
                    description:
                        "redis_exporter cannot talk to Redis: chat-cache falls back to its in-process cache and the upstream, so hit ratio drops and cost rises. chat-cache symptom alerts are inhibited.",
                    recommendation:
                        "Run `docker service ps redis` and read the Redis logs (OOM, disk full on the AOF/RDB volume, failed auth after a password rotation).",
                },
            },
            {
                alert: "PostgresDown",
                expr: `max by (service) (pg_up{service="${JOBS.postgres}"}) == 0`,
                for: "1m",
                labels: { severity: "critical" },
                annotations: {
                    summary: "Postgres is unreachable",
                    description: "postgres_exporter cannot connect to Postgres. Connection alerts are inhibited.",
                    recommendation:
                        "Run `docker service ps postgres` and read its logs (disk full, recovery in progress, max_connections reached, password rotated without the exporter being updated).",
                },
            },
            {
                alert: "PostgresConnectionsNearLimit",
                expr: `sum by (service) (pg_stat_database_numbackends{service="${JOBS.postgres}"}) / on(service) max by (service) (pg_settings_max_connections{service="${JOBS.postgres}"}) > 0.8`,
                for: "5m",
                labels: { severity: "warning" },
                annotations: {
                    summary: "Postgres uses more than 80% of max_connections",
                    description:
                        "Backends have been above 80% of max_connections for 5 minutes; new clients will soon be refused.",
                    recommendation:
                        "Find idle clients in pg_stat_activity; add pooling or lower the app's pool size rather than raising max_connections (each connection costs work_mem).",
                },
            },
            {
                alert: "ChatCacheRedisCircuitOpen",
                expr: `max by (service) (${CHAT_CACHE.redisCircuitOpen}{${cc}}) == 1`,
                for: "2m",
                labels: { severity: "warning" },
                annotations: {
                    summary: "chat-cache skips Redis (circuit open)",
                    description:
                        "The chat-cache Redis circuit breaker has been open for 2 minutes: answers come from the in-process cache or the upstream only.",
                    recommendation:
                        "Check RedisDown and the chat-cache logs for the Redis errors that opened the circuit (timeouts, auth, OOM).",
                },
            },
            {
                alert: "ChatCacheUpstreamSaturated",
                expr: `sum by (service) (rate(${CHAT_CACHE.rejections}{${cc},reason=~"queue_full|timeout"}[5m])) > 0.05`,
                for: "5m",
                labels: { severity: "warning" },
                annotations: {
                    summary: "chat-cache rejects requests because the upstream is saturated",
                    description:
                        "chat-cache has been answering requests with queue-full or timeout errors for 5 minutes: the upstream concurrency limit is reached.",
                    recommendation:
                        "Check upstream latency and the in-flight/queue panels; raise the upstream concurrency only within the provider's rate limit, or add replicas.",
                },
            },
            {
                alert: "SecretSyncMonitorStale",
                expr: `time() - max by (service) (${SYNC_MONITOR.lastSuccess}{${sm}}) > ${opts.syncStaleSeconds}`,
                for: "5m",
                labels: { severity: "warning" },
                annotations: {
                    summary: "The sync-monitor has not completed a check recently",
                    description:
                        "The last successful secret sync check is older than the allowed age; drift would go unnoticed (the monitor only posts drift alerts after a complete check).",
                    recommendation:
                        "Read the sync-monitor logs: expired GitHub token, ESC unreachable or API rate limit (see SecretSyncRateLimitLow).",
                },
            },
            {
                alert: "SecretSyncRateLimitLow",
                expr: `min by (service, resource) (${SYNC_MONITOR.rateLimitRemaining}{${sm}}) < 100`,
                for: "5m",
                labels: { severity: "warning" },
                annotations: {
                    summary: "sync-monitor is close to the GitHub API rate limit ({{ $labels.resource }})",
                    description:
                        "Fewer than 100 GitHub API requests remain in the {{ $labels.resource }} rate-limit window; checks and heals will be delayed until it resets.",
                    recommendation:
                        "Lengthen the sync-monitor interval or reduce the targets per check; make sure no other tool shares the token.",
                },
            },
            {
                alert: "AlertmanagerNotificationsFailing",
                expr: `sum by (service, integration) (rate(alertmanager_notifications_failed_total{service="${JOBS.alertmanager}"}[5m])) > 0`,
                for: "10m",
                labels: { severity: "critical" },
                annotations: {
                    summary: "Alertmanager cannot deliver {{ $labels.integration }} notifications",
                    description:
                        "Notifications through {{ $labels.integration }} have been failing for 10 minutes: alerts are not reaching anyone.",
                    recommendation:
                        "Read the Alertmanager logs; check the Slack webhook / SMTP credentials in ESC (rotated or revoked?) and outbound network access from the Alertmanager node.",
                },
            },
            {
                alert: "PrometheusRuleEvaluationFailures",
                expr: `sum by (service, rule_group) (rate(prometheus_rule_evaluation_failures_total{service="${JOBS.prometheus}"}[5m])) > 0`,
                for: "10m",
                labels: { severity: "warning" },
                annotations: {
                    summary: "Prometheus fails to evaluate rules in {{ $labels.rule_group }}",
                    description:
                        "Rule evaluations have been failing for 10 minutes; health scores and alerts of that group are stale.",
                    recommendation:
                        "Read the Prometheus logs for the failing expression (often many-to-many matching after a label change) and fix the rule generator.",
                },
            },
        ],
    };
}
