import * as pulumi from "@pulumi/pulumi";
import {
    containerMtu,
    OVERLAY_PROBE_ENV as ENV,
    OVERLAY_PROBE_PATHS as PATHS,
    OVERLAY_PROBE_PORTS as PORTS,
    OVERLAY_PROBE_SERVICE,
    OVERLAY_PROBE_UID,
} from "../../../runtime/overlay-probe/src/contract";
import { nodeHttpHealthcheck } from "../../nodeHealthcheck";
import { runtimeHardening } from "../../runtimeServiceArgs";
import { SwarmService, SwarmServiceArgs } from "../../swarmService";
import { ResolvedResources } from "../../tiers";
import { MonitoringServiceContext, monitoringService } from "./context";

/** One overlay network the prober watches. */
export interface OverlayProbeNetwork {
    /** Docker network name (the `network` label). */
    readonly name: string;
    /** Network id to attach the prober to. */
    readonly id: pulumi.Input<string>;
    /** Planned underlay MTU (`com.docker.network.driver.mtu`). */
    readonly mtu: number;
    /** Whether the network is encrypted (IPsec adds 26 bytes of overhead). */
    readonly encrypted: boolean;
}

/** The overlay prober's image and the networks to watch. */
export interface OverlayProbeArgs {
    /** Image to run (the overlay-probe RuntimeImage's repoDigest). */
    readonly image: pulumi.Input<string>;
    /** Every overlay network of the stack. */
    readonly networks: readonly OverlayProbeNetwork[];
    /** Credentials to pull the image from a private registry. */
    readonly registryAuth?: SwarmServiceArgs["registryAuth"];
}

/** Docker service names are at most 63 characters. */
const MAX_SERVICE_NAME = 63;

/** The Docker service (and scrape job) of the prober on `network`: `<prefix>overlay-probe-<network>`. */
export function overlayProbeServiceName(prefix: string, network: string): string {
    return `${prefix}${OVERLAY_PROBE_SERVICE}-${network}`;
}

/** @internal Exported for testing. Network names must make valid service and job names. */
export function validateOverlayProbeNetworks(prefix: string, networks: readonly OverlayProbeNetwork[]): void {
    const seen = new Set<string>();
    for (const n of networks) {
        const service = overlayProbeServiceName(prefix, n.name);
        if (!/^[a-zA-Z0-9][a-zA-Z0-9_-]*$/.test(n.name)) {
            throw new Error(
                `MonitoringStack: overlay network "${n.name}" cannot name its prober service: use letters, digits, '_' and '-' in network names.`,
            );
        }
        if (service.length > MAX_SERVICE_NAME) {
            throw new Error(
                `MonitoringStack: the prober service of network "${n.name}" would be named "${service}" (${service.length} characters, Docker allows ${MAX_SERVICE_NAME}); shorten the network name or the name prefix.`,
            );
        }
        if (seen.has(n.name)) {
            throw new Error(
                `MonitoringStack: overlay network "${n.name}" is listed twice in \`overlayProbe.networks\`.`,
            );
        }
        seen.add(n.name);
    }
}

/**
 * The overlay prober on one network: a global service (one task per node) attached to that network only, so
 * `tasks.<service>` answers with this network's addresses. dnsrr: nothing ever uses its VIP.
 */
export function overlayProbeService(
    ctx: MonitoringServiceContext,
    args: {
        prefix: string;
        network: OverlayProbeNetwork;
        image: pulumi.Input<string>;
        resources: ResolvedResources;
        registryAuth?: SwarmServiceArgs["registryAuth"];
    },
): SwarmService {
    const n = args.network;
    const serviceName = overlayProbeServiceName(args.prefix, n.name);
    return monitoringService(ctx, `${OVERLAY_PROBE_SERVICE}-${n.name}`, {
        converge: ctx.common.converge,
        networks: [n.id],
        endpointMode: "dnsrr",
        serviceName,
        image: args.image,
        resources: args.resources,
        global: true,
        env: {
            [ENV.network]: n.name,
            // Swarm expands the template per task: the `src` label is the node id, as node-exporter's `node`.
            [ENV.node]: "{{.Node.ID}}",
            [ENV.peers]: `tasks.${serviceName}`,
            [ENV.fullBytes]: String(containerMtu(n.mtu, n.encrypted)),
            [ENV.plannedMtu]: String(n.mtu),
            [ENV.httpPort]: String(PORTS.http),
            [ENV.probePort]: String(PORTS.probe),
        },
        healthcheck: nodeHttpHealthcheck(PORTS.http, PATHS.health),
        metrics: { port: PORTS.http, path: PATHS.metrics },
        labels: { "sophia.runtime": OVERLAY_PROBE_SERVICE, "sophia.network": n.name },
        // TCP on unprivileged ports and nothing written: no capability, read-only root filesystem.
        ...runtimeHardening(OVERLAY_PROBE_UID),
        registryAuth: args.registryAuth,
    });
}
