import { JOBS } from "../names";
import { RuleGroup } from "../types";
import { RuleOptions } from "./options";

/**
 * Availability: targets, services and nodes. node-exporter runs with the Swarm node id as its hostname, so
 * `node_uname_info{nodename}` is the node id; `node:instance:info` maps each node-exporter target to it.
 */
export function availabilityGroup(opts: RuleOptions): RuleGroup {
    const absent = opts.expectedServices.map((s) => `absent(up{service="${s}"})`).join(" or ");
    return {
        name: "sophia-availability",
        rules: [
            {
                record: "node:instance:info",
                expr: `max by (instance, node) (label_replace(node_uname_info{service="${JOBS.nodeExporter}"}, "node", "$1", "nodename", "(.+)"))`,
            },
            {
                alert: "TargetDown",
                expr: "up == 0",
                for: "3m",
                labels: { severity: "warning" },
                annotations: {
                    summary: "A {{ $labels.service }} task ({{ $labels.instance }}) cannot be scraped",
                    description:
                        "Prometheus has failed to scrape {{ $labels.instance }} of {{ $labels.service }} for 3 minutes: the task is hung, restarting or unreachable on the monitoring network.",
                    recommendation:
                        "Run `docker service ps {{ $labels.service }}` to see the task's state and errors, and `docker service logs` for the task; a task stuck unhealthy is restarted by Swarm, one that keeps failing needs its logs read.",
                },
            },
            {
                alert: "ServiceDown",
                expr: "service:up:ratio == 0",
                for: "1m",
                labels: { severity: "critical" },
                annotations: {
                    summary: "Every task of {{ $labels.service }} is down",
                    description:
                        "No scrape target of {{ $labels.service }} has answered for a minute: the service is unavailable.",
                    recommendation:
                        "Run `docker service ps --no-trunc {{ $labels.service }}` for the task errors; if a rollout just happened, `docker service rollback {{ $labels.service }}`. Check its dependencies' alerts (RedisDown, PostgresDown).",
                },
            },
            {
                alert: "ServiceTargetsMissing",
                expr: absent,
                for: "5m",
                labels: { severity: "critical" },
                annotations: {
                    summary: "{{ $labels.service }} has no scrape targets",
                    description:
                        "DNS `tasks.<service>` returned no task for {{ $labels.service }} for 5 minutes: the service is removed, scaled to zero or none of its tasks are attached to the monitoring network.",
                    recommendation:
                        "Run `docker service ls` and `docker service ps {{ $labels.service }}`; if the service exists, check that it is attached to the monitoring network and that its tasks are running (pending tasks mean no node satisfies its placement or reservations).",
                },
            },
            {
                alert: "NodeDown",
                // A node whose node-exporter answered within the hour but not now (its global task is gone or failing).
                expr: "max by (node) (max_over_time(node:instance:info[1h])) unless on(node) max by (node) (node:instance:info)",
                for: "2m",
                labels: { severity: "critical" },
                annotations: {
                    summary: "Swarm node {{ $labels.node }} stopped reporting",
                    description:
                        "node-exporter on node {{ $labels.node }} reported during the last hour but has not for 2 minutes: the node is down, partitioned or its exporter task failed. Alerts on that node are inhibited.",
                    recommendation:
                        "Run `docker node ls` and `docker node inspect {{ $labels.node }}`; if the node is Down, Swarm reschedules replicated tasks elsewhere: check capacity. If it was removed on purpose, silence this alert until it resolves (1 hour).",
                },
            },
        ],
    };
}
