import * as pulumi from "@pulumi/pulumi";
import { SwarmService } from "../../swarmService";
import { ResolvedResources } from "../../tiers";
import { buildDashboards } from "../grafana/dashboards";
import { dashboardProvisioning, DASHBOARDS_DIR, datasourceProvisioning } from "../grafana/provisioning";
import { toYaml } from "../render";
import {
    fileKey,
    httpCheck,
    MONITORING_PORTS,
    MonitoringServiceContext,
    monitoringService,
    monitoringVolume,
    publishedPort,
    UIDS,
    USERS,
} from "./context";

/** What the Grafana service needs beyond the shared context. */
export interface GrafanaServiceArgs {
    readonly serviceName: string;
    readonly image: string;
    readonly resources: ResolvedResources;
    /** Prometheus on the overlay, e.g. `http://prometheus:9090`. */
    readonly prometheusUrl: string;
    readonly adminPassword: pulumi.Input<string>;
    readonly publish?: number;
}

/** Grafana: provisioned datasource and dashboards, admin password from a secret file, no plugin installs. */
export function grafanaService(ctx: MonitoringServiceContext, args: GrafanaServiceArgs): SwarmService {
    const port = MONITORING_PORTS.grafana;
    const dashboards = buildDashboards();
    const data = monitoringVolume(ctx, "grafana", `${args.serviceName}-data`);
    return monitoringService(ctx, "grafana", {
        ...ctx.common,
        serviceName: args.serviceName,
        image: args.image,
        resources: args.resources,
        env: {
            GF_SECURITY_ADMIN_PASSWORD__FILE: "/run/secrets/grafana_admin_password",
            GF_USERS_ALLOW_SIGN_UP: "false",
            GF_ANALYTICS_REPORTING_ENABLED: "false",
            GF_ANALYTICS_CHECK_FOR_UPDATES: "false",
            GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES: "false",
            GF_PLUGINS_PREINSTALL_DISABLED: "true",
            // The image also logs to files under /var/log/grafana, which is on the read-only root filesystem.
            GF_LOG_MODE: "console",
        },
        secrets: [
            {
                key: "admin-password",
                data: args.adminPassword,
                target: "/run/secrets/grafana_admin_password",
                uid: UIDS.grafana,
            },
        ],
        configs: [
            {
                key: "datasource",
                data: toYaml(datasourceProvisioning(args.prometheusUrl)),
                target: "/etc/grafana/provisioning/datasources/sophia.yml",
            },
            {
                key: "dashboards",
                data: toYaml(dashboardProvisioning()),
                target: "/etc/grafana/provisioning/dashboards/sophia.yml",
            },
            ...Object.entries(dashboards).map(([file, d]) => ({
                key: fileKey(file),
                data: JSON.stringify(d, null, 2),
                target: `${DASHBOARDS_DIR}/${file}`,
            })),
        ],
        mounts: [
            { type: "volume", source: data.name, target: "/var/lib/grafana" },
            // SQLite's temporary files (large sorts, VACUUM) and Go's os.TempDir: the root filesystem is read-only.
            { type: "tmpfs", target: "/tmp", sizeBytes: 64 * 1024 * 1024 },
        ],
        user: USERS.grafana,
        healthcheck: httpCheck(`http://localhost:${port}/api/health`),
        stateful: true,
        constraints: ctx.constraints,
        ports: publishedPort(ctx, port, args.publish),
        metrics: { port },
    });
}
