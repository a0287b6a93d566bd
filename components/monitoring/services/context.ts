import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { HealthcheckArgs, PublishedPortArgs, SwarmService, SwarmServiceArgs } from "../../swarmService";

/** Ports the monitoring services listen on. */
export const MONITORING_PORTS = {
    prometheus: 9090,
    alertmanager: 9093,
    grafana: 3000,
    nodeExporter: 9100,
    cadvisor: 8080,
    redisExporter: 9121,
    postgresExporter: 9187,
} as const;

/** Image users (the official images' `USER`): the services run as them and their secret files (mode 0400) belong to them. */
export const UIDS = { nobody: "65534", grafana: "472", redisExporter: "59000" } as const;
/** The same users as `user` values: uid:gid, except grafana, whose primary group (0 in its image) comes from its passwd entry. */
export const USERS = {
    nobody: `${UIDS.nobody}:${UIDS.nobody}`,
    grafana: UIDS.grafana,
    redisExporter: `${UIDS.redisExporter}:${UIDS.redisExporter}`,
} as const;

/** What every monitoring service builder shares: where its resources hang and the stack-wide service settings. */
export interface MonitoringServiceContext {
    /** The MonitoringStack's logical name; children are named `${name}-<role>`. */
    readonly name: string;
    /** The MonitoringStack itself (parent of every child). */
    readonly parent: pulumi.Resource;
    /** Settings every service gets: overlay networks, endpoint mode, convergence wait. */
    readonly common: Pick<SwarmServiceArgs, "networks" | "endpointMode" | "converge">;
    /** How published ports are exposed. */
    readonly publishMode: "ingress" | "host";
    /** Placement of the manager-pinned services (Prometheus, Alertmanager, Grafana). */
    readonly constraints: string[];
}

/** A SwarmService child of the stack, named `${name}-<role>`. */
export function monitoringService(ctx: MonitoringServiceContext, role: string, args: SwarmServiceArgs): SwarmService {
    return new SwarmService(`${ctx.name}-${role}`, args, { parent: ctx.parent });
}

/** A named Docker volume child of the stack, named `${name}-<role>-data`. */
export function monitoringVolume(ctx: MonitoringServiceContext, role: string, volumeName: string): docker.Volume {
    return new docker.Volume(
        `${ctx.name}-${role}-data`,
        { name: volumeName, labels: [{ label: "sophia.volume", value: volumeName }] },
        { parent: ctx.parent },
    );
}

/** The published port list for `target`, or undefined when nothing is published. */
export function publishedPort(
    ctx: MonitoringServiceContext,
    target: number,
    published?: number,
): PublishedPortArgs[] | undefined {
    return published ? [{ target, published, mode: ctx.publishMode }] : undefined;
}

/** A `wget --spider` healthcheck (busybox images). */
export function httpCheck(url: string): HealthcheckArgs {
    return {
        test: ["CMD", "wget", "-q", "--spider", url],
        interval: "30s",
        timeout: "5s",
        retries: 3,
        startPeriod: "30s",
    };
}

/** Docker configs/secrets: `key` must be usable in a Docker object name. */
export function fileKey(relPath: string): string {
    return relPath.replace(/\.[a-z]+$/, "").replace(/[^a-zA-Z0-9]+/g, "-");
}
