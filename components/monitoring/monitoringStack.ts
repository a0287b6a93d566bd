import * as pulumi from "@pulumi/pulumi";
import { OVERLAY_PROBE_PATHS, OVERLAY_PROBE_PORTS } from "../../runtime/overlay-probe/src/contract";
import { ConvergeArgs, SwarmService } from "../swarmService";
import { ResolvedResources } from "../tiers";
import { DEFAULT_MONITORING_IMAGES, MonitoringImages } from "./images";
import { JOBS } from "./names";
import { buildPrometheusConfig, ScrapeTarget, validateScrapeTargets } from "./prometheusConfig";
import { buildRuleFiles, resolveRuleOptions } from "./rules";
import {
    alertmanagerService,
    cadvisorService,
    grafanaService,
    MONITORING_PORTS,
    MonitoringServiceContext,
    nodeExporterService,
    postgresExporterService,
    prometheusService,
    OverlayProbeArgs,
    overlayProbeService,
    overlayProbeServiceName,
    redisExporterService,
    validateOverlayProbeNetworks,
} from "./services";

export { MONITORING_PORTS } from "./services";

/** Resources per monitoring service, normally from the tiers (Prometheus medium, the rest low). */
export interface MonitoringResources {
    readonly prometheus: ResolvedResources;
    readonly alertmanager: ResolvedResources;
    readonly grafana: ResolvedResources;
    readonly nodeExporter: ResolvedResources;
    readonly cadvisor: ResolvedResources;
    readonly redisExporter: ResolvedResources;
    readonly postgresExporter: ResolvedResources;
    /** The overlay prober (one task per node per network). Defaults to node-exporter's. */
    readonly overlayProbe?: ResolvedResources;
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
        overlayProbe: low,
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
    /** The cross-node overlay prober (runtime/overlay-probe), one global service per network. Defaults to none. */
    readonly overlayProbe?: OverlayProbeArgs;
    /** Wait for replicated services to converge. Defaults to SwarmService's default. */
    readonly converge?: ConvergeArgs;
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
    if (args.overlayProbe) {
        validateOverlayProbeNetworks(args.namePrefix ?? "", args.overlayProbe.networks);
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
        const ctx: MonitoringServiceContext = {
            name,
            parent: this,
            common: { networks: args.networks, endpointMode: args.endpointMode, converge: args.converge },
            publishMode: args.publishMode ?? "ingress",
            constraints: args.constraints ?? ["node.role==manager"],
        };

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
            // One job per network: each prober service is attached to its own network only.
            ...(args.overlayProbe?.networks ?? []).map((n) => ({
                job: overlayProbeServiceName("", n.name),
                serviceName: overlayProbeServiceName(prefix, n.name),
                port: OVERLAY_PROBE_PORTS.http,
                path: OVERLAY_PROBE_PATHS.metrics,
            })),
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

        const res = args.resources;
        const services: Record<string, SwarmService> = {};
        services.prometheus = prometheusService(ctx, {
            serviceName: names.prometheus,
            image: images.prometheus,
            resources: res.prometheus,
            config: prometheusYml,
            ruleFiles,
            retentionTime: args.retentionTime ?? "30d",
            retentionSize: args.retentionSize ?? "10GB",
            publish: args.publish?.prometheus,
        });
        services.alertmanager = alertmanagerService(ctx, {
            serviceName: names.alertmanager,
            image: images.alertmanager,
            resources: res.alertmanager,
            slack: args.slack,
            email: args.email,
            publish: args.publish?.alertmanager,
        });
        if (enableGrafana) {
            services.grafana = grafanaService(ctx, {
                serviceName: names.grafana,
                image: images.grafana,
                resources: res.grafana,
                prometheusUrl: `http://${names.prometheus}:${P.prometheus}`,
                adminPassword: args.grafanaAdminPassword as pulumi.Input<string>,
                publish: args.publish?.grafana,
            });
        }
        services.nodeExporter = nodeExporterService(ctx, {
            serviceName: names.nodeExporter,
            image: images.nodeExporter,
            resources: res.nodeExporter,
        });
        if (enableCadvisor) {
            services.cadvisor = cadvisorService(ctx, {
                serviceName: names.cadvisor,
                image: images.cadvisor,
                resources: res.cadvisor,
            });
        }
        if (args.redis) {
            services.redisExporter = redisExporterService(ctx, {
                serviceName: names.redisExporter,
                image: images.redisExporter,
                resources: res.redisExporter,
                redis: args.redis,
            });
        }
        if (args.postgres) {
            services.postgresExporter = postgresExporterService(ctx, {
                serviceName: names.postgresExporter,
                image: images.postgresExporter,
                resources: res.postgresExporter,
                postgres: args.postgres,
            });
        }
        for (const network of args.overlayProbe?.networks ?? []) {
            services[`overlayProbe-${network.name}`] = overlayProbeService(ctx, {
                prefix,
                network,
                image: args.overlayProbe!.image,
                resources: res.overlayProbe ?? res.nodeExporter,
                registryAuth: args.overlayProbe!.registryAuth,
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
