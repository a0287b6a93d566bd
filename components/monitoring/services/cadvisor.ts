import { SwarmService } from "../../swarmService";
import { ResolvedResources } from "../../tiers";
import { httpCheck, MONITORING_PORTS, MonitoringServiceContext, monitoringService } from "./context";

/** What cAdvisor needs beyond the shared context. */
export interface CadvisorServiceArgs {
    readonly serviceName: string;
    readonly image: string;
    readonly resources: ResolvedResources;
}

/** cAdvisor on every node: container CPU/memory against limits, labelled with Swarm service/task/node. */
export function cadvisorService(ctx: MonitoringServiceContext, args: CadvisorServiceArgs): SwarmService {
    const port = MONITORING_PORTS.cadvisor;
    return monitoringService(ctx, "cadvisor", {
        ...ctx.common,
        serviceName: args.serviceName,
        image: args.image,
        resources: args.resources,
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
        // Root by necessity (no `user`; its image is in the policy pack's rootImages): it reads the Docker socket and every
        // container's cgroup and /proc entries. Of root's capabilities it keeps only these two:
        capabilities: [
            {
                name: "CAP_SYS_PTRACE",
                reason: "read /proc/<pid>/fd and limits of other users' processes (per-container process and fd metrics)",
            },
            {
                name: "CAP_DAC_READ_SEARCH",
                reason: "read container files under /var/lib/docker and /rootfs whose modes exclude root without CAP_DAC_OVERRIDE",
            },
        ],
        healthcheck: httpCheck(`http://localhost:${port}/healthz`),
        metrics: { port },
    });
}
