import { JOBS } from "../names";
import { RuleGroup } from "../types";
import { RuleOptions } from "./options";

/** Exhaustion forecasts with `predict_linear`, plus the TSDB size cap. */
export function capacityGroup(opts: RuleOptions): RuleGroup {
    const ne = `service="${JOBS.nodeExporter}"`;
    const fs = `${ne},fstype!~"tmpfs|ramfs|squashfs|overlay|nsfs|nfs.*"`;
    const cadvisorSel = `service="${JOBS.cadvisor}",container_label_com_docker_swarm_service_name!=""`;
    return {
        name: "sophia-capacity",
        rules: [
            {
                alert: "NodeFilesystemExhaustionPredicted",
                expr: `(predict_linear(node_filesystem_avail_bytes{${fs}}[1h], 4 * 3600) < 0 and node_filesystem_avail_bytes{${fs}} / node_filesystem_size_bytes{${fs}} < 0.4) * on(instance) group_left(node) node:instance:info`,
                for: "15m",
                labels: { severity: "warning" },
                annotations: {
                    summary: "{{ $labels.mountpoint }} on node {{ $labels.node }} fills up within 4 hours",
                    description:
                        "At the rate of the last hour, the filesystem {{ $labels.mountpoint }} ({{ $labels.device }}) on node {{ $labels.node }} runs out of space within 4 hours, and less than 40% is free now.",
                    recommendation:
                        "Find what grows (`docker system df`, container logs, volumes); prune unused images (`docker image prune -a`), check log rotation, or grow the disk. Prometheus' own volume is capped by retention.size.",
                },
            },
            {
                alert: "NodeMemoryExhaustionPredicted",
                expr: `(predict_linear(node_memory_MemAvailable_bytes{${ne}}[1h], 2 * 3600) < 0 and node_memory_MemAvailable_bytes{${ne}} / node_memory_MemTotal_bytes{${ne}} < 0.3) * on(instance) group_left(node) node:instance:info`,
                for: "15m",
                labels: { severity: "warning" },
                annotations: {
                    summary: "Node {{ $labels.node }} runs out of memory within 2 hours",
                    description:
                        "At the rate of the last hour, available memory on node {{ $labels.node }} reaches zero within 2 hours, and less than 30% is available now.",
                    recommendation:
                        "Find the growing containers on the node (cAdvisor panel of the Golden signals dashboard); a leak needs a restart and a bug report, steady growth needs tighter memory limits or another node.",
                },
            },
            {
                alert: "ContainerMemoryExhaustionPredicted",
                expr: `label_replace(label_replace(predict_linear(container_memory_working_set_bytes{${cadvisorSel}}[1h], 3600) > (container_spec_memory_limit_bytes{${cadvisorSel}} > 0), "service", "$1", "container_label_com_docker_swarm_service_name", "(.+)"), "node", "$1", "container_label_com_docker_swarm_node_id", "(.+)")`,
                for: "15m",
                labels: { severity: "warning" },
                annotations: {
                    summary:
                        "A {{ $labels.service }} task on node {{ $labels.node }} reaches its memory limit within an hour",
                    description:
                        "At the rate of the last hour the working set of {{ $labels.container_label_com_docker_swarm_task_name }} reaches its memory limit within an hour; it will then be OOM-killed and restarted.",
                    recommendation:
                        "Check whether the growth is load (raise the service's tier) or a leak (restart the task with `docker service update --force` and report it).",
                },
            },
            {
                alert: "RedisMemoryExhaustionPredicted",
                expr: `predict_linear(redis_memory_used_bytes{service="${JOBS.redis}"}[1h], 4 * 3600) > (redis_memory_max_bytes{service="${JOBS.redis}"} > 0)`,
                for: "15m",
                labels: { severity: "warning" },
                annotations: {
                    summary: "Redis reaches maxmemory within 4 hours",
                    description:
                        "At the rate of the last hour Redis memory reaches maxmemory within 4 hours; after that it evicts keys (chat-cache hit ratio drops) or refuses writes, depending on its policy.",
                    recommendation:
                        "Check the chat-cache TTLs and entry sizes, and Redis' key count; raise Redis' tier (maxmemory follows the memory limit) if the working set really grew.",
                },
            },
            {
                alert: "PrometheusStorageNearSizeCap",
                expr: `prometheus_tsdb_storage_blocks_bytes{service="${JOBS.prometheus}"} > ${0.9 * opts.tsdbSizeCapBytes}`,
                for: "30m",
                labels: { severity: "warning" },
                annotations: {
                    summary: "Prometheus storage is above 90% of its size cap",
                    description:
                        "The TSDB blocks use more than 90% of --storage.tsdb.retention.size; Prometheus will delete the oldest blocks before the 30-day time retention is reached.",
                    recommendation:
                        "Look for high-cardinality series (Prometheus UI, TSDB status page) and drop them with metric_relabel_configs, or raise the size cap and the volume together.",
                },
            },
        ],
    };
}
