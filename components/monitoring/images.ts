/** Images of the monitoring stack. */
export interface MonitoringImages {
    readonly prometheus: string;
    readonly alertmanager: string;
    readonly grafana: string;
    readonly nodeExporter: string;
    readonly cadvisor: string;
    readonly redisExporter: string;
    readonly postgresExporter: string;
}

/**
 * Pinned defaults. Prometheus stays on the 2.53 LTS line: the rules are unit-tested with promtool 2.x, whose PromQL
 * semantics (range selection, regex matching) match it; 3.x changed some of them.
 */
export const DEFAULT_MONITORING_IMAGES: MonitoringImages = {
    prometheus: "prom/prometheus:v2.53.4",
    alertmanager: "prom/alertmanager:v0.27.0",
    grafana: "grafana/grafana:11.2.2",
    nodeExporter: "prom/node-exporter:v1.8.2",
    cadvisor: "gcr.io/cadvisor/cadvisor:v0.49.1",
    redisExporter: "oliver006/redis_exporter:v1.62.0",
    postgresExporter: "quay.io/prometheuscommunity/postgres-exporter:v0.15.0",
};
