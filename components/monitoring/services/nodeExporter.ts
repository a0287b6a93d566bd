import { SwarmService } from "../../swarmService";
import { ResolvedResources } from "../../tiers";
import { httpCheck, MONITORING_PORTS, MonitoringServiceContext, monitoringService, USERS } from "./context";

/** What node-exporter needs beyond the shared context. */
export interface NodeExporterServiceArgs {
    readonly serviceName: string;
    readonly image: string;
    readonly resources: ResolvedResources;
}

/** node-exporter on every node; its hostname is the node id, which `node:instance:info` turns into `node`. */
export function nodeExporterService(ctx: MonitoringServiceContext, args: NodeExporterServiceArgs): SwarmService {
    const port = MONITORING_PORTS.nodeExporter;
    return monitoringService(ctx, "node-exporter", {
        ...ctx.common,
        serviceName: args.serviceName,
        image: args.image,
        resources: args.resources,
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
        // Reads the host's /proc, /sys and / read-only as nobody, like the official image.
        user: USERS.nobody,
        healthcheck: httpCheck(`http://localhost:${port}/`),
        metrics: { port },
    });
}
