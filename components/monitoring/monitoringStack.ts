import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { MountedFile } from "../swarmObjects";
import { HealthcheckArgs, SwarmService, SwarmServiceArgs } from "../swarmService";
import { ResolvedResources } from "../tiers";
import { buildAlertmanagerConfig } from "./alertmanagerConfig";
import { buildDashboards } from "./grafana/dashboards";
import { dashboardProvisioning, DASHBOARDS_DIR, datasourceProvisioning } from "./grafana/provisioning";
import { DEFAULT_MONITORING_IMAGES, MonitoringImages } from "./images";
import { JOBS } from "./names";
import { buildPrometheusConfig, ScrapeTarget, validateScrapeTargets } from "./prometheusConfig";
import { toYaml } from "./render";
import { buildRuleFiles, resolveRuleOptions } from "./rules";

/** Resources per monitoring service, normally from the tiers (Prometheus medium, the rest low). */
export interface MonitoringResources {
    readonly prometheus: ResolvedResources;
    readonly alertmanager: ResolvedResources;
    readonly grafana: ResolvedResources;
    readonly nodeExporter: ResolvedResources;
    readonly cadvisor: ResolvedResources;
    readonly redisExporter: ResolvedResources;
    readonly postgresExporter: ResolvedResources;
}

/** The usual split: Prometheus on the medium tier, everything else on the low tier. */
export function monitoringResources(tiers: {
    readonly medium: ResolvedResources;
    readonly low: ResolvedResources;
}): MonitoringResources {
    const low = tiers.low;
    return {
        prometheus: tiers.medium,
        alertmanager: low,
        grafana: low,
        nodeExporter: low,
        cadvisor: low,
        redisExporter: low,
        postgresExporter: low,
    };
}

/** Redis as seen by redis_exporter. */
export interface RedisTargetArgs {
    /** Docker service name of Redis. */
    readonly serviceName: string;
    /** Defaults to 6379. */
    readonly port?: number;
    /** Redis password (becomes a Docker secret). */
    readonly password: pulumi.Input<string>;
}

/** Postgres as seen by postgres_exporter. */
export interface PostgresTargetArgs {
    readonly serviceName: string;
    /** Defaults to 5432. */
    readonly port?: number;
    readonly user: string;
    readonly database: string;
    /** Password (becomes a Docker secret). */
    readonly password: pulumi.Input<string>;
    /** libpq sslmode. Defaults to "disable" (traffic stays on the encrypted overlay). */
    readonly sslMode?: string;
}

/** Slack receiver. */
export interface SlackArgs {
    readonly channel: string;
    /** Incoming-webhook URL (secret). */
    readonly webhookUrl: pulumi.Input<string>;
}

/** Email receiver. */
export interface EmailArgs {
    /** Recipients, comma-separated. */
    readonly to: string;
    readonly from: string;
    /** SMTP host:port. */
    readonly smarthost: string;
    readonly username?: string;
    /** SMTP password (secret); needs `username`. */
    readonly password?: pulumi.Input<string>;
    /** Defaults to true. */
    readonly requireTls?: boolean;
}

/** Host ports to publish (none by default: the UIs stay on the overlay). */
export interface MonitoringPublishArgs {
    readonly prometheus?: number;
    readonly alertmanager?: number;
    readonly grafana?: number;
}

export interface MonitoringStackArgs {
    /** Overlay network ids to attach every monitoring service to; must include the network the scraped services share. */
    readonly networks: pulumi.Input<string>[];
    /** Application services to scrape (from their `metrics` declarations). */
    readonly targets: ScrapeTarget[];
    /** Value of the `stack` external label. Defaults to the Pulumi stack name. */
    readonly stack?: string;
    /** Resources per service. */
    readonly resources: MonitoringResources;
    /** Image overrides. Defaults to `DEFAULT_MONITORING_IMAGES`. */
    readonly images?: Partial<MonitoringImages>;
    /** "vip" or "dnsrr" (no IPVS, e.g. dev). Defaults to "vip". */
    readonly endpointMode?: "vip" | "dnsrr";
    /** "ingress" or "host" for published ports. Defaults to "ingress". */
    readonly publishMode?: "ingress" | "host";
    /** Ports to publish. Defaults to none. */
    readonly publish?: MonitoringPublishArgs;
    /** Run Grafana. Defaults to true. */
    readonly enableGrafana?: boolean;
    /** Run cAdvisor (global). Defaults to true. */
    readonly enableCadvisor?: boolean;
    /** Grafana admin password (secret); required when Grafana runs. */
    readonly grafanaAdminPassword?: pulumi.Input<string>;
    /** Redis to export; no redis_exporter without it. */
    readonly redis?: RedisTargetArgs;
    /** Postgres to export; no postgres_exporter without it. */
    readonly postgres?: PostgresTargetArgs;
    readonly slack?: SlackArgs;
    readonly email?: EmailArgs;
    /** Prometheus time retention. Defaults to "30d". */
    readonly retentionTime?: string;
    /** Prometheus size cap. Defaults to "10GB". */
    readonly retentionSize?: string;
    /** Placement of Prometheus, Alertmanager and Grafana. Defaults to ["node.role==manager"]. */
    readonly constraints?: string[];
    /** chat-cache 1h hit ratio that counts as fully optimised. Defaults to 0.3. */
    readonly hitRatioTarget?: number;
    /** Base URL of the runbook (alert annotations link `<base>#<alert>`). Defaults to "docs/monitoring.md". */
    readonly runbookBaseUrl?: string;
    /** Prefix of every Docker service and volume name. Defaults to "". */
    readonly namePrefix?: string;
    /** Wait for replicated services to converge. Defaults to SwarmService's default. */
    readonly converge?: { readonly delay: string; readonly timeout: string } | false;
}

/** Ports the services listen on. */
export const MONITORING_PORTS = {
    prometheus: 9090,
    alertmanager: 9093,
    grafana: 3000,
    nodeExporter: 9100,
    cadvisor: 8080,
    redisExporter: 9121,
    postgresExporter: 9187,
} as const;

/** Image users the secret files must belong to (mode 0400). */
const UIDS = { nobody: "65534", grafana: "472", redisExporter: "59000" } as const;

/** Docker configs/secrets: `key` must be usable in a Docker object name. */
function fileKey(relPath: string): string {
    return relPath.replace(/\.[a-z]+$/, "").replace(/[^a-zA-Z0-9]+/g, "-");
}

const GB = /^\d+(?:\.\d+)?(B|KB|MB|GB|TB|PB|EB)$/;
const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;

/** @internal Exported for testing. Checks the arguments before any resource exists. */
export function validateMonitoringStackArgs(args: MonitoringStackArgs): void {
    validateScrapeTargets(args.targets);
    if ((args.enableGrafana ?? true) && args.grafanaAdminPassword === undefined) {
        throw new Error(
            "MonitoringStack: `grafanaAdminPassword` is required while Grafana is enabled; pass a secret or set `enableGrafana: false`.",
        );
    }
    if (args.retentionTime !== undefined && !DURATION.test(args.retentionTime)) {
        throw new Error(
            `MonitoringStack: \`retentionTime\` must be a Prometheus duration such as "30d", got ${JSON.stringify(args.retentionTime)}.`,
        );
    }
    if (args.retentionSize !== undefined && !GB.test(args.retentionSize)) {
        throw new Error(
            `MonitoringStack: \`retentionSize\` must be a size such as "10GB", got ${JSON.stringify(args.retentionSize)}.`,
        );
    }
    if (args.email?.password !== undefined && !args.email.username) {
        throw new Error("MonitoringStack: `email.password` needs `email.username` (SMTP AUTH sends both).");
    }
    if (args.hitRatioTarget !== undefined && !(args.hitRatioTarget > 0 && args.hitRatioTarget <= 1)) {
        throw new Error(`MonitoringStack: \`hitRatioTarget\` must be in (0, 1], got ${args.hitRatioTarget}.`);
    }
    const reserved = Object.values(JOBS) as string[];
    const clash = args.targets.find(
        (t) => reserved.includes(t.job) && t.job !== JOBS.chatCache && t.job !== JOBS.syncMonitor,
    );
    if (clash) {
        throw new Error(
            `MonitoringStack: scrape target job "${clash.job}" is reserved for the stack's own ${clash.job} job; rename the target.`,
        );
    }
}

/** A `wget --spider` healthcheck (busybox images). */
function httpCheck(url: string): HealthcheckArgs {
    return {
        test: ["CMD", "wget", "-q", "--spider", url],
        interval: "30s",
        timeout: "5s",
        retries: 3,
        startPeriod: "30s",
    };
}

/**
 * Prometheus, Alertmanager, Grafana, node-exporter and cAdvisor (global), redis_exporter and postgres_exporter, with
 * every configuration file generated from typed TypeScript and shipped as a content-hashed Docker config.
 */
export class MonitoringStack extends pulumi.ComponentResource {
    /** Prometheus on the overlay, e.g. `http://prometheus:9090`. */
    public readonly prometheusUrl: pulumi.Output<string>;
    /** Alertmanager on the overlay (the sync-monitor posts its alerts here). */
    public readonly alertmanagerUrl: pulumi.Output<string>;
    /** Grafana on the overlay, when enabled. */
    public readonly grafanaUrl?: pulumi.Output<string>;
    /** Published host ports by service (empty when nothing is published). */
    public readonly publishedPorts: Readonly<Record<string, number>>;
    /** The Swarm services, by role. */
    public readonly services: Readonly<Record<string, SwarmService>>;

    constructor(name: string, args: MonitoringStackArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("sophia:monitoring:MonitoringStack", name, {}, opts);
        try {
            validateMonitoringStackArgs(args);
        } catch (e) {
            // Tie the message to this component's URN in `pulumi preview`.
            throw new pulumi.ResourceError((e as Error).message, this);
        }

        const images = { ...DEFAULT_MONITORING_IMAGES, ...(args.images ?? {}) };
        const prefix = args.namePrefix ?? "";
        const enableGrafana = args.enableGrafana ?? true;
        const enableCadvisor = args.enableCadvisor ?? true;
        const publishMode = args.publishMode ?? "ingress";
        const constraints = args.constraints ?? ["node.role==manager"];
        const names = {
            prometheus: `${prefix}prometheus`,
            alertmanager: `${prefix}alertmanager`,
            grafana: `${prefix}grafana`,
            nodeExporter: `${prefix}node-exporter`,
            cadvisor: `${prefix}cadvisor`,
            redisExporter: `${prefix}redis-exporter`,
            postgresExporter: `${prefix}postgres-exporter`,
        };
        const P = MONITORING_PORTS;
        const common = { networks: args.networks, endpointMode: args.endpointMode, converge: args.converge };
        const port = (target: number, published?: number) =>
            published ? [{ target, published, mode: publishMode }] : undefined;

        // Every scrape job: the application's plus the stack's own exporters.
        const targets: ScrapeTarget[] = [
            ...args.targets,
            { job: JOBS.alertmanager, serviceName: names.alertmanager, port: P.alertmanager },
            { job: JOBS.nodeExporter, serviceName: names.nodeExporter, port: P.nodeExporter },
            ...(enableCadvisor ? [{ job: JOBS.cadvisor, serviceName: names.cadvisor, port: P.cadvisor }] : []),
            ...(enableGrafana ? [{ job: JOBS.grafana, serviceName: names.grafana, port: P.grafana }] : []),
            ...(args.redis ? [{ job: JOBS.redis, serviceName: names.redisExporter, port: P.redisExporter }] : []),
            ...(args.postgres
                ? [{ job: JOBS.postgres, serviceName: names.postgresExporter, port: P.postgresExporter }]
                : []),
        ];
        const ruleFiles = buildRuleFiles(
            resolveRuleOptions({
                expectedServices: [JOBS.prometheus, ...targets.map((t) => t.job)],
                ...(args.hitRatioTarget !== undefined ? { hitRatioTarget: args.hitRatioTarget } : {}),
                ...(args.runbookBaseUrl !== undefined ? { runbookBaseUrl: args.runbookBaseUrl } : {}),
            }),
        );
        const prometheusYml = buildPrometheusConfig({
            stack: args.stack ?? pulumi.getStack(),
            targets,
            alertmanager: { serviceName: names.alertmanager, port: P.alertmanager },
            ruleFiles: Object.keys(ruleFiles),
        });

        const volume = (role: string, volumeName: string) =>
            new docker.Volume(
                `${name}-${role}-data`,
                {
                    name: volumeName,
                    labels: [{ label: "sophia.volume", value: volumeName }],
                },
                { parent: this },
            );
        const service = (role: string, serviceArgs: SwarmServiceArgs) =>
            new SwarmService(`${name}-${role}`, serviceArgs, { parent: this });
        const services: Record<string, SwarmService> = {};

        // --- Prometheus: manager-placed, stateful (TSDB on a named volume), retention by time and size.
        const promData = volume("prometheus", `${names.prometheus}-data`);
        services.prometheus = service("prometheus", {
            ...common,
            serviceName: names.prometheus,
            image: images.prometheus,
            resources: args.resources.prometheus,
            args: [
                "--config.file=/etc/prometheus/prometheus.yml",
                "--storage.tsdb.path=/prometheus",
                `--storage.tsdb.retention.time=${args.retentionTime ?? "30d"}`,
                `--storage.tsdb.retention.size=${args.retentionSize ?? "10GB"}`,
                "--web.console.libraries=/usr/share/prometheus/console_libraries",
                "--web.console.templates=/usr/share/prometheus/consoles",
            ],
            configs: [
                { key: "prometheus", data: toYaml(prometheusYml), target: "/etc/prometheus/prometheus.yml" },
                ...Object.entries(ruleFiles).map(([rel, file]) => ({
                    key: fileKey(rel),
                    data: toYaml(file),
                    target: `/etc/prometheus/${rel}`,
                })),
            ],
            mounts: [{ type: "volume", source: promData.name, target: "/prometheus" }],
            healthcheck: httpCheck(`http://localhost:${P.prometheus}/-/healthy`),
            stateful: true,
            constraints,
            ports: port(P.prometheus, args.publish?.prometheus),
            metrics: { port: P.prometheus },
        });

        // --- Alertmanager: single replica (no gossip), silences on a volume, receiver secrets as files.
        const amSecrets: MountedFile[] = [];
        if (args.slack) {
            amSecrets.push({
                key: "slack-webhook-url",
                data: args.slack.webhookUrl,
                target: "/run/secrets/slack_webhook_url",
                uid: UIDS.nobody,
            });
        }
        if (args.email?.password !== undefined) {
            amSecrets.push({
                key: "smtp-password",
                data: args.email.password,
                target: "/run/secrets/smtp_password",
                uid: UIDS.nobody,
            });
        }
        const alertmanagerYml = buildAlertmanagerConfig({
            slack: args.slack && { channel: args.slack.channel, apiUrlFile: "/run/secrets/slack_webhook_url" },
            email: args.email && {
                to: args.email.to,
                from: args.email.from,
                smarthost: args.email.smarthost,
                username: args.email.username,
                passwordFile: args.email.password !== undefined ? "/run/secrets/smtp_password" : undefined,
                requireTls: args.email.requireTls,
            },
        });
        const amData = volume("alertmanager", `${names.alertmanager}-data`);
        services.alertmanager = service("alertmanager", {
            ...common,
            serviceName: names.alertmanager,
            image: images.alertmanager,
            resources: args.resources.alertmanager,
            args: [
                "--config.file=/etc/alertmanager/alertmanager.yml",
                "--storage.path=/alertmanager",
                "--cluster.listen-address=",
            ],
            configs: [
                { key: "alertmanager", data: toYaml(alertmanagerYml), target: "/etc/alertmanager/alertmanager.yml" },
            ],
            secrets: amSecrets,
            mounts: [{ type: "volume", source: amData.name, target: "/alertmanager" }],
            healthcheck: httpCheck(`http://localhost:${P.alertmanager}/-/healthy`),
            stateful: true,
            constraints,
            ports: port(P.alertmanager, args.publish?.alertmanager),
            metrics: { port: P.alertmanager },
        });

        // --- Grafana: provisioned datasource and dashboards, admin password from a secret file, no plugin installs.
        if (enableGrafana) {
            const dashboards = buildDashboards();
            const grafanaData = volume("grafana", `${names.grafana}-data`);
            services.grafana = service("grafana", {
                ...common,
                serviceName: names.grafana,
                image: images.grafana,
                resources: args.resources.grafana,
                env: {
                    GF_SECURITY_ADMIN_PASSWORD__FILE: "/run/secrets/grafana_admin_password",
                    GF_USERS_ALLOW_SIGN_UP: "false",
                    GF_ANALYTICS_REPORTING_ENABLED: "false",
                    GF_ANALYTICS_CHECK_FOR_UPDATES: "false",
                    GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES: "false",
                    GF_PLUGINS_PREINSTALL_DISABLED: "true",
                },
                secrets: [
                    {
                        key: "admin-password",
                        data: args.grafanaAdminPassword as pulumi.Input<string>,
                        target: "/run/secrets/grafana_admin_password",
                        uid: UIDS.grafana,
                    },
                ],
                configs: [
                    {
                        key: "datasource",
                        data: toYaml(datasourceProvisioning(`http://${names.prometheus}:${P.prometheus}`)),
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
                mounts: [{ type: "volume", source: grafanaData.name, target: "/var/lib/grafana" }],
                healthcheck: httpCheck(`http://localhost:${P.grafana}/api/health`),
                stateful: true,
                constraints,
                ports: port(P.grafana, args.publish?.grafana),
                metrics: { port: P.grafana },
            });
        }

        // --- node-exporter on every node; its hostname is the node id, which `node:instance:info` turns into `node`.
        services.nodeExporter = service("node-exporter", {
            ...common,
            serviceName: names.nodeExporter,
            image: images.nodeExporter,
            resources: args.resources.nodeExporter,
            global: true,
            hostname: "{{.Node.ID}}",
            args: [
                "--path.procfs=/host/proc",
                "--path.sysfs=/host/sys",
                "--path.rootfs=/rootfs",
                "--collector.filesystem.mount-points-exclude=^/(dev|proc|sys|run|var/lib/docker/.+)($|/)",
                // IPVS stats are per node and not needed; the collector errors where the kernel has no IPVS.
                "--no-collector.ipvs",
            ],
            mounts: [
                { type: "bind", source: "/proc", target: "/host/proc", readOnly: true },
                { type: "bind", source: "/sys", target: "/host/sys", readOnly: true },
                { type: "bind", source: "/", target: "/rootfs", readOnly: true },
            ],
            healthcheck: httpCheck(`http://localhost:${P.nodeExporter}/`),
            metrics: { port: P.nodeExporter },
        });

        // --- cAdvisor on every node: container CPU/memory against limits, labelled with Swarm service/task/node.
        if (enableCadvisor) {
            services.cadvisor = service("cadvisor", {
                ...common,
                serviceName: names.cadvisor,
                image: images.cadvisor,
                resources: args.resources.cadvisor,
                global: true,
                args: [
                    "--docker_only=true",
                    "--housekeeping_interval=30s",
                    "--store_container_labels=false",
                    "--whitelisted_container_labels=com.docker.swarm.service.name,com.docker.swarm.task.name,com.docker.swarm.node.id",
                    "--disable_metrics=percpu,sched,tcp,udp,disk,diskIO,hugetlb,referenced_memory,cpu_topology,resctrl",
                ],
                mounts: [
                    { type: "bind", source: "/", target: "/rootfs", readOnly: true },
                    { type: "bind", source: "/var/run", target: "/var/run", readOnly: true },
                    { type: "bind", source: "/sys", target: "/sys", readOnly: true },
                    { type: "bind", source: "/var/lib/docker", target: "/var/lib/docker", readOnly: true },
                ],
                healthcheck: httpCheck(`http://localhost:${P.cadvisor}/healthz`),
                metrics: { port: P.cadvisor },
            });
        }

        // --- redis_exporter: its password file is a JSON map from Redis URI to password.
        if (args.redis) {
            const uri = `redis://${args.redis.serviceName}:${args.redis.port ?? 6379}`;
            services.redisExporter = service("redis-exporter", {
                ...common,
                serviceName: names.redisExporter,
                image: images.redisExporter,
                resources: args.resources.redisExporter,
                env: { REDIS_ADDR: uri, REDIS_PASSWORD_FILE: "/run/secrets/redis_passwords.json" },
                secrets: [
                    {
                        key: "redis-passwords",
                        data: pulumi.output(args.redis.password).apply((p) => JSON.stringify({ [uri]: p })),
                        target: "/run/secrets/redis_passwords.json",
                        uid: UIDS.redisExporter,
                    },
                ],
                // A scratch image: no shell or wget for a healthcheck; `up` and `redis_up` show its state.
                metrics: { port: P.redisExporter },
            });
        }

        // --- postgres_exporter: DSN without the password, which comes from a file.
        if (args.postgres) {
            const pg = args.postgres;
            services.postgresExporter = service("postgres-exporter", {
                ...common,
                serviceName: names.postgresExporter,
                image: images.postgresExporter,
                resources: args.resources.postgresExporter,
                env: {
                    DATA_SOURCE_URI: `${pg.serviceName}:${pg.port ?? 5432}/${pg.database}?sslmode=${pg.sslMode ?? "disable"}`,
                    DATA_SOURCE_USER: pg.user,
                    DATA_SOURCE_PASS_FILE: "/run/secrets/postgres_password",
                },
                secrets: [
                    {
                        key: "postgres-password",
                        data: pg.password,
                        target: "/run/secrets/postgres_password",
                        uid: UIDS.nobody,
                    },
                ],
                healthcheck: httpCheck(`http://localhost:${P.postgresExporter}/`),
                metrics: { port: P.postgresExporter },
            });
        }

        this.services = services;
        this.prometheusUrl = pulumi.interpolate`http://${services.prometheus.serviceName}:${P.prometheus}`;
        this.alertmanagerUrl = pulumi.interpolate`http://${services.alertmanager.serviceName}:${P.alertmanager}`;
        this.grafanaUrl = services.grafana
            ? pulumi.interpolate`http://${services.grafana.serviceName}:${P.grafana}`
            : undefined;
        this.publishedPorts = Object.fromEntries(
            Object.entries(args.publish ?? {}).filter(
                ([role, p]) => p !== undefined && (role !== "grafana" || enableGrafana),
            ),
        ) as Record<string, number>;
        this.registerOutputs({
            prometheusUrl: this.prometheusUrl,
            alertmanagerUrl: this.alertmanagerUrl,
            grafanaUrl: this.grafanaUrl,
            publishedPorts: this.publishedPorts,
        });
    }
}
