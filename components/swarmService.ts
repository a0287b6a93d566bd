import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { canonicalDuration, durationMs, formatDuration } from "./duration";
import { isHonouredSpreadDescriptor } from "./placement";
import { createRotatingConfig, createRotatingSecret, MountedFile } from "./swarmObjects";
import { ResolvedResources } from "./tiers";

/** How long `pulumi up` waits for a replicated service's tasks to run, or `false` to return once Swarm accepts the spec. */
export type ConvergeArgs = { readonly delay: string; readonly timeout: string } | false;

/** The platform's wait: a first check after 7s, giving up after 3m. */
export const DEFAULT_CONVERGE: ConvergeArgs = { delay: "7s", timeout: "3m" };

/** A Docker healthcheck. Durations use Docker's notation ("20s", "1m"). */
export interface HealthcheckArgs {
    /** The check, e.g. `["CMD", "pg_isready"]` or `["CMD-SHELL", "..."]`. Must test the process itself, never its dependencies. */
    readonly test: string[];
    /** Time between checks. Defaults to "20s". */
    readonly interval?: string;
    /** Time a check may take. Defaults to "10s". */
    readonly timeout?: string;
    /** Consecutive failures before the task is unhealthy. Defaults to 3. */
    readonly retries?: number;
    /** Grace period after start in which failures do not count. Defaults to "40s". */
    readonly startPeriod?: string;
}

/** A published port. */
export interface PublishedPortArgs {
    /** Port inside the container. */
    readonly target: number;
    /** Port on the nodes. */
    readonly published: number;
    /** "ingress" (routing mesh, needs VIP/IPVS) or "host" (only on nodes running a task). Defaults to "ingress". */
    readonly mode?: "ingress" | "host";
    /** Defaults to "tcp". */
    readonly protocol?: "tcp" | "udp";
}

/** Where a service's metrics are scraped; the monitoring stack reads this from the service that declares it. */
export interface MetricsEndpoint {
    readonly port: number;
    /** Defaults to "/metrics". */
    readonly path?: string;
}

/** A Linux capability added back after all are dropped, with the reason the process needs it. */
export interface CapabilityArgs {
    /** Capability name as the Engine API spells it, e.g. "CAP_SYS_PTRACE". */
    readonly name: string;
    /** Why the process needs it (kept next to the grant so a reviewer can judge it). */
    readonly reason: string;
}

/** A named volume or tmpfs mount. */
export interface MountArgs {
    readonly type: "volume" | "tmpfs" | "bind";
    readonly target: string;
    /** Volume name or host path (not for tmpfs). */
    readonly source?: pulumi.Input<string>;
    readonly readOnly?: boolean;
    /** tmpfs size in bytes; required for tmpfs (an unbounded tmpfs can fill the node's memory). */
    readonly sizeBytes?: number;
}

export interface SwarmServiceArgs {
    /** Docker service name: also its DNS name on the overlay networks. */
    readonly serviceName: string;
    /** Image reference, pinned to a version tag or digest. */
    readonly image: pulumi.Input<string>;
    /** CPU and memory limits and reservations, normally from a tier. */
    readonly resources: ResolvedResources;
    /** Run one task per node instead of a replica count. Defaults to false. */
    readonly global?: boolean;
    /** Replica count for replicated services. Defaults to 1. */
    readonly replicas?: number;
    /** Entrypoint override. */
    readonly command?: string[];
    /** Arguments to the entrypoint. */
    readonly args?: pulumi.Input<string>[];
    /** Plain environment variables (never secrets: those go in `secrets`). */
    readonly env?: Record<string, pulumi.Input<string>>;
    /** Secrets, mounted as files (Docker secrets). */
    readonly secrets?: MountedFile[];
    /** Config files, mounted read-only (Docker configs). */
    readonly configs?: MountedFile[];
    /** Healthcheck; `"none"` disables the image's own. */
    readonly healthcheck?: HealthcheckArgs | "none";
    /** Stateful services (volumes) update stop-first, as does any service with a host-mode port; others start-first. Defaults to false. */
    readonly stateful?: boolean;
    /** Overlay network ids to attach. */
    readonly networks: pulumi.Input<string>[];
    /** Placement constraints, e.g. `node.role==manager`. */
    readonly constraints?: string[];
    /** Spread preferences: descriptors such as `node.labels.zone`, passed to Swarm verbatim (no `spread=` prefix). */
    readonly spreadOver?: string[];
    /** Maximum replicas per node. */
    readonly maxReplicasPerNode?: number;
    /** Published ports. */
    readonly ports?: PublishedPortArgs[];
    /** "vip" or "dnsrr" (required where the kernel has no IPVS). Defaults to "vip". */
    readonly endpointMode?: "vip" | "dnsrr";
    /** NVIDIA GPUs reserved as Swarm generic resources (`NVIDIA-GPU=N`). Defaults to 0. */
    readonly gpus?: number;
    /** Named volumes, tmpfs and binds. */
    readonly mounts?: MountArgs[];
    /** Namespaced sysctls, e.g. `net.core.somaxconn`. */
    readonly sysctls?: Record<string, string>;
    /** User (uid[:gid] or name) to run as inside the container (CIS 4.1). Defaults to the image's user. */
    readonly user?: string;
    /**
     * Why the root filesystem must stay writable. Unset, the root filesystem is read-only (CIS 5.13) and the process
     * writes only to volumes and size-limited tmpfs `mounts`. Defaults to undefined (read-only).
     */
    readonly writableRootFilesystemReason?: string;
    /** Capabilities added back after dropping ALL (CIS 5.4), each with its reason. Defaults to none. */
    readonly capabilities?: CapabilityArgs[];
    /** Run Docker's init (tini) as PID 1, for a process that does not reap orphaned children. Defaults to false. */
    readonly init?: boolean;
    /** Container hostname; may use Swarm templates such as `{{.Node.ID}}`. Defaults to the container id. */
    readonly hostname?: string;
    /** Time to wait after SIGTERM before SIGKILL. Defaults to "30s". */
    readonly stopGracePeriod?: string;
    /** Wait for tasks to converge during `pulumi up` (replicated only). Defaults to { delay: "7s", timeout: "3m" }. */
    readonly converge?: ConvergeArgs;
    /** Where Prometheus scrapes this service, if it exposes metrics. */
    readonly metrics?: MetricsEndpoint;
    /** Extra service labels. */
    readonly labels?: Record<string, string>;
    /** Credentials nodes use to pull the image from a private registry. */
    readonly registryAuth?: {
        readonly serverAddress: string;
        readonly username: string;
        readonly password: pulumi.Input<string>;
    };
}

/** Healthcheck defaults from the platform standard. */
export const HEALTHCHECK_DEFAULTS = { interval: "20s", timeout: "10s", retries: 3, startPeriod: "40s" } as const;

/** Parses a Docker duration ("1m30s", "40s", "500ms") into milliseconds; undefined if unreadable. */
export { durationMs };

/**
 * The update monitor window: long enough to see a new task fail its healthchecks after its start period
 * (start period + interval x retries), at least 30s, so a broken release is rolled back instead of reported converged.
 */
export function updateMonitorFor(hc: HealthcheckArgs | "none" | undefined): string {
    if (hc === undefined || hc === "none") {
        return formatDuration(30000);
    }
    const interval = durationMs(hc.interval ?? HEALTHCHECK_DEFAULTS.interval) ?? 20000;
    const start = durationMs(hc.startPeriod ?? HEALTHCHECK_DEFAULTS.startPeriod) ?? 40000;
    const retries = hc.retries ?? HEALTHCHECK_DEFAULTS.retries;
    // Whole seconds, in the provider's canonical spelling ("1m40s", not "100s").
    return formatDuration(Math.ceil(Math.max(start + interval * retries, 30000) / 1000) * 1000);
}

/** @internal Exported for testing. Checks the arguments that would produce a service Swarm rejects or runs badly. */
export function validateSwarmServiceArgs(args: SwarmServiceArgs): void {
    const where = `service \`${args.serviceName}\``;
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/.test(args.serviceName)) {
        throw new Error(
            `${where}: \`serviceName\` must be 1-63 letters, digits, '_', '.' or '-', starting with a letter or digit.`,
        );
    }
    if (args.global && args.replicas !== undefined) {
        throw new Error(`${where}: set either \`global\` or \`replicas\`, not both.`);
    }
    if (args.replicas !== undefined && (!Number.isInteger(args.replicas) || args.replicas < 1)) {
        throw new Error(`${where}: \`replicas\` must be a whole number of at least 1, got ${args.replicas}.`);
    }
    if (
        (args.gpus ?? 0) > 0 &&
        !(args.constraints ?? []).some((c) => c.replace(/\s/g, "") === "node.labels.gpu==true")
    ) {
        throw new Error(
            `${where}: reserves GPUs but has no \`node.labels.gpu==true\` placement constraint; add it so tasks only land on GPU nodes.`,
        );
    }
    if (args.healthcheck && args.healthcheck !== "none") {
        for (const key of ["interval", "timeout", "startPeriod"] as const) {
            const v = args.healthcheck[key];
            if (v !== undefined && durationMs(v) === undefined) {
                throw new Error(
                    `${where}: healthcheck \`${key}\` must be a duration such as "20s", got ${JSON.stringify(v)}.`,
                );
            }
        }
    }
    for (const d of args.spreadOver ?? []) {
        if (!isHonouredSpreadDescriptor(d)) {
            throw new Error(
                `${where}: spread preference ${JSON.stringify(d)} is ignored by Swarm; use a descriptor starting with \`node.labels.\` or \`engine.labels.\` (without \`spread=\`).`,
            );
        }
    }
    const durations: [string, string | undefined][] = [
        ["stopGracePeriod", args.stopGracePeriod],
        ["converge.delay", args.converge ? args.converge.delay : undefined],
        ["converge.timeout", args.converge ? args.converge.timeout : undefined],
    ];
    for (const [key, v] of durations) {
        if (v !== undefined && durationMs(v) === undefined) {
            throw new Error(
                `${where}: \`${key}\` must be a duration such as "30s" or "1m30s", got ${JSON.stringify(v)}.`,
            );
        }
    }
    const seen = new Set<number>();
    for (const p of args.ports ?? []) {
        if (seen.has(p.published)) {
            throw new Error(`${where}: port ${p.published} is published twice.`);
        }
        seen.add(p.published);
    }
    for (const m of args.mounts ?? []) {
        if (m.type === "tmpfs" && !(m.sizeBytes !== undefined && Number.isInteger(m.sizeBytes) && m.sizeBytes > 0)) {
            throw new Error(
                `${where}: tmpfs mount at \`${m.target}\` needs \`sizeBytes\` (a positive whole number); an unbounded tmpfs can use all of the node's memory.`,
            );
        }
    }
    for (const cap of args.capabilities ?? []) {
        if (!/^CAP_[A-Z_]+$/.test(cap.name) || cap.name === "CAP_ALL") {
            throw new Error(
                `${where}: capability ${JSON.stringify(cap.name)} must be one Linux capability spelled "CAP_<NAME>", e.g. "CAP_SYS_PTRACE".`,
            );
        }
        if (!cap.reason.trim()) {
            throw new Error(`${where}: capability ${cap.name} needs a \`reason\` saying why the process needs it.`);
        }
    }
    if (args.writableRootFilesystemReason !== undefined && !args.writableRootFilesystemReason.trim()) {
        throw new Error(
            `${where}: \`writableRootFilesystemReason\` is empty; say why the root filesystem must be writable, or leave it unset for a read-only one.`,
        );
    }
    if (args.endpointMode === "dnsrr" && (args.ports ?? []).some((p) => (p.mode ?? "ingress") === "ingress")) {
        throw new Error(
            `${where}: endpoint mode dnsrr cannot publish through the ingress routing mesh; use host-mode ports.`,
        );
    }
}

/**
 * One Swarm service built to the platform standard: tier resources, healthcheck, rolling updates that roll back on
 * failure, restart policy, placement, json-file log rotation, secrets and configs as files, GPUs as generic resources,
 * and hardened containers (CIS Docker Benchmark): read-only root filesystem, every capability dropped but the few
 * named with a reason, an explicit user where the caller gives one, an init where asked.
 *
 * What Swarm or the pinned provider (@pulumi/docker 5.2.0) cannot set per service: a PIDs limit (CIS 5.29; the
 * provider has no `limits.pids`, and dockerd has no daemon-wide default), no-new-privileges (CIS 5.26; the provider
 * has no security options, so the node contract sets it daemon-wide) and the host address a port binds to (CIS 5.14;
 * Swarm ports take none, so the node's firewall restricts them). See the README's "Node and cluster contract".
 */
export class SwarmService extends pulumi.ComponentResource {
    /** The Docker service name (its DNS name on the overlays). */
    public readonly serviceName: pulumi.Output<string>;
    /** The Docker service id. */
    public readonly serviceId: pulumi.Output<string>;
    /** The metrics endpoint Prometheus should scrape, if any. */
    public readonly metrics?: MetricsEndpoint;
    /** The underlying docker.Service (for dependencies). */
    public readonly service: docker.Service;

    constructor(name: string, args: SwarmServiceArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("sophia:swarm:SwarmService", name, {}, opts);
        validateSwarmServiceArgs(args);

        // A host-mode published port cannot be bound by an old and a new task on the same node at once: a start-first
        // update would leave the new task pending ("host-mode port already in use") and never finish or roll back.
        const stopFirst = (args.stateful ?? false) || (args.ports ?? []).some((p) => p.mode === "host");
        const healthcheck = args.healthcheck;
        const converge = args.converge ?? DEFAULT_CONVERGE;
        // Updates and rollbacks go one task at a time and watch each long enough to see its healthchecks fail.
        const rollout = (delay: string, failureAction: "rollback" | "pause") => ({
            parallelism: 1,
            delay: canonicalDuration(delay),
            failureAction,
            monitor: updateMonitorFor(healthcheck),
            maxFailureRatio: "0.2",
            order: stopFirst ? "stop-first" : "start-first",
        });

        // Where and how a secret or config file appears inside the container.
        const mountAt = (file: MountedFile, defaultMode: number) => ({
            fileName: file.target,
            fileMode: file.mode ?? defaultMode,
            fileUid: file.uid ?? "0",
            fileGid: file.gid ?? "0",
        });
        const secrets = (args.secrets ?? []).map((file) => {
            const secret = createRotatingSecret(`${name}-secret-${file.key}`, file, this);
            return { secretId: secret.id, secretName: secret.name, ...mountAt(file, 0o400) };
        });
        const configs = (args.configs ?? []).map((file) => {
            const config = createRotatingConfig(`${name}-config-${file.key}`, file, this);
            return { configId: config.id, configName: config.name, ...mountAt(file, 0o444) };
        });

        const labels: Record<string, string> = {
            "sophia.service": args.serviceName,
            "sophia.tier": args.resources.tier,
            ...(args.metrics
                ? {
                      "sophia.metrics.port": String(args.metrics.port),
                      "sophia.metrics.path": args.metrics.path ?? "/metrics",
                  }
                : {}),
            ...(args.labels ?? {}),
        };
        const gpus = args.gpus ?? 0;

        this.service = new docker.Service(
            `${name}-service`,
            {
                name: args.serviceName,
                labels: Object.entries(labels).map(([label, value]) => ({ label, value })),
                mode: args.global ? { global: true } : { replicated: { replicas: args.replicas ?? 1 } },
                taskSpec: {
                    containerSpec: {
                        image: args.image,
                        commands: args.command,
                        args: args.args,
                        env: args.env,
                        secrets: secrets.length ? secrets : undefined,
                        configs: configs.length ? configs : undefined,
                        healthcheck:
                            healthcheck === "none"
                                ? { tests: ["NONE"] }
                                : healthcheck && {
                                      tests: healthcheck.test,
                                      interval: canonicalDuration(
                                          healthcheck.interval ?? HEALTHCHECK_DEFAULTS.interval,
                                      ),
                                      timeout: canonicalDuration(healthcheck.timeout ?? HEALTHCHECK_DEFAULTS.timeout),
                                      retries: healthcheck.retries ?? HEALTHCHECK_DEFAULTS.retries,
                                      startPeriod: canonicalDuration(
                                          healthcheck.startPeriod ?? HEALTHCHECK_DEFAULTS.startPeriod,
                                      ),
                                  },
                        mounts: args.mounts?.map((m) => ({
                            type: m.type,
                            target: m.target,
                            source: m.source,
                            readOnly: m.readOnly ?? false,
                            tmpfsOptions: m.type === "tmpfs" ? { sizeBytes: m.sizeBytes } : undefined,
                        })),
                        sysctl: args.sysctls,
                        user: args.user,
                        readOnly: args.writableRootFilesystemReason === undefined,
                        // Drop every capability; add back only the named ones (Docker's default set has 14).
                        capDrops: ["ALL"],
                        capAdds: args.capabilities?.length ? args.capabilities.map((c) => c.name) : undefined,
                        init: args.init ? true : undefined,
                        hostname: args.hostname,
                        stopGracePeriod: canonicalDuration(args.stopGracePeriod ?? "30s", "stopGracePeriod"),
                        labels: [{ label: "sophia.service", value: args.serviceName }],
                    },
                    resources: {
                        limits: { ...args.resources.limits },
                        reservation: {
                            ...args.resources.reservations,
                            genericResources: gpus > 0 ? { discreteResourcesSpecs: [`NVIDIA-GPU=${gpus}`] } : undefined,
                        },
                    },
                    // Explicit delay/window avoid the provider's perpetual "0s" diff (pulumi-docker#1285); canonical
                    // spelling ("2m", not "120s") because that is what the provider reads back.
                    restartPolicy: {
                        condition: "on-failure",
                        delay: formatDuration(5000),
                        maxAttempts: 3,
                        window: formatDuration(120000),
                    },
                    placement: {
                        constraints: args.constraints?.length ? args.constraints : undefined,
                        // The provider passes each pref verbatim as the spread descriptor, and Swarm only honours
                        // `node.labels.*`/`engine.labels.*`: no `spread=` prefix (that is the CLI's flag syntax).
                        prefs: args.spreadOver?.length ? [...args.spreadOver] : undefined,
                        maxReplicas: args.maxReplicasPerNode,
                    },
                    logDriver: { name: "json-file", options: { "max-size": "100m", "max-file": "5" } },
                    networksAdvanceds: args.networks.map((id) => ({ id })),
                },
                updateConfig: rollout("10s", "rollback"),
                rollbackConfig: rollout("5s", "pause"),
                endpointSpec: {
                    mode: args.endpointMode ?? "vip",
                    ports: args.ports?.length
                        ? args.ports.map((p) => ({
                              targetPort: p.target,
                              publishedPort: p.published,
                              publishMode: p.mode ?? "ingress",
                              protocol: p.protocol ?? "tcp",
                          }))
                        : undefined,
                },
                auth: args.registryAuth && {
                    ...args.registryAuth,
                    password: pulumi.secret(args.registryAuth.password),
                },
                // convergeConfig makes `pulumi up` wait for running tasks; Swarm rejects it for global services.
                convergeConfig:
                    !args.global && converge
                        ? {
                              delay: canonicalDuration(converge.delay, "converge.delay"),
                              timeout: canonicalDuration(converge.timeout, "converge.timeout"),
                          }
                        : undefined,
            },
            {
                parent: this,
                // A host-mode port cannot be held by the old and new service at once (pulumi-docker#1356).
                deleteBeforeReplace: (args.ports ?? []).some((p) => p.mode === "host"),
            },
        );

        this.serviceName = this.service.name;
        this.serviceId = this.service.id;
        this.metrics = args.metrics;
        this.registerOutputs({ serviceName: this.serviceName, serviceId: this.serviceId });
    }
}
