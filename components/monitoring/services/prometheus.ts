import { SwarmService } from "../../swarmService";
import { ResolvedResources } from "../../tiers";
import { toYaml } from "../render";
import { PrometheusConfig, RuleFile } from "../types";
import {
    fileKey,
    httpCheck,
    MONITORING_PORTS,
    MonitoringServiceContext,
    monitoringService,
    monitoringVolume,
    publishedPort,
    USERS,
} from "./context";

/** What the Prometheus service needs beyond the shared context. */
export interface PrometheusServiceArgs {
    readonly serviceName: string;
    readonly image: string;
    readonly resources: ResolvedResources;
    readonly config: PrometheusConfig;
    /** Rule files by path relative to /etc/prometheus. */
    readonly ruleFiles: Readonly<Record<string, RuleFile>>;
    readonly retentionTime: string;
    readonly retentionSize: string;
    readonly publish?: number;
}

/** Prometheus: manager-placed, stateful (TSDB on a named volume), retention by time and size. */
export function prometheusService(ctx: MonitoringServiceContext, args: PrometheusServiceArgs): SwarmService {
    const port = MONITORING_PORTS.prometheus;
    const data = monitoringVolume(ctx, "prometheus", `${args.serviceName}-data`);
    return monitoringService(ctx, "prometheus", {
        ...ctx.common,
        serviceName: args.serviceName,
        image: args.image,
        resources: args.resources,
        args: [
            "--config.file=/etc/prometheus/prometheus.yml",
            "--storage.tsdb.path=/prometheus",
            `--storage.tsdb.retention.time=${args.retentionTime}`,
            `--storage.tsdb.retention.size=${args.retentionSize}`,
            "--web.console.libraries=/usr/share/prometheus/console_libraries",
            "--web.console.templates=/usr/share/prometheus/consoles",
        ],
        configs: [
            { key: "prometheus", data: toYaml(args.config), target: "/etc/prometheus/prometheus.yml" },
            ...Object.entries(args.ruleFiles).map(([rel, file]) => ({
                key: fileKey(rel),
                data: toYaml(file),
                target: `/etc/prometheus/${rel}`,
            })),
        ],
        mounts: [{ type: "volume", source: data.name, target: "/prometheus" }],
        // Writes only its TSDB, on the volume (owned by nobody in the image).
        user: USERS.nobody,
        healthcheck: httpCheck(`http://localhost:${port}/-/healthy`),
        stateful: true,
        constraints: ctx.constraints,
        ports: publishedPort(ctx, port, args.publish),
        metrics: { port },
    });
}
