import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { SERVICE_NAMES } from "./serviceNames";
import { pgSettingsToArgs, pgShmBytes, pgTune, PgSettings } from "./pgtune";
import { ConvergeArgs, PublishedPortArgs, SwarmService } from "./swarmService";
import { ResolvedResources } from "./tiers";

/** Path of the password file inside the container. */
export const POSTGRES_PASSWORD_FILE = "/run/secrets/postgres_password";
/** uid/gid of the `postgres` user in the official Debian-based image; the entrypoint reads the file as that user. */
const POSTGRES_UID = "999";
/** Where Postgres puts its Unix socket and lock file (the image's default `unix_socket_directories`). */
export const POSTGRES_SOCKET_DIR = "/var/run/postgresql";

export interface PostgresArgs {
    /** Docker service name. Defaults to "postgres". */
    readonly serviceName?: string;
    /** Image, pinned (e.g. "postgres:15.10-bookworm"). */
    readonly image: string;
    /** Resources; the tuning is computed from their limits. */
    readonly resources: ResolvedResources;
    /** Superuser password (becomes a Docker secret read through POSTGRES_PASSWORD_FILE). */
    readonly password: pulumi.Input<string>;
    /** Defaults to "sophia". */
    readonly user?: string;
    /** Defaults to "sophia_ai". */
    readonly database?: string;
    /** Defaults to 200. */
    readonly maxConnections?: number;
    /** Defaults to "ssd". */
    readonly storage?: "ssd" | "hdd" | "san";
    /** Overlay network ids. */
    readonly networks: pulumi.Input<string>[];
    /** Placement constraints (a stateful service belongs on a fixed node). */
    readonly constraints?: string[];
    /** Defaults to "vip". */
    readonly endpointMode?: "vip" | "dnsrr";
    /** Published ports (normally none). */
    readonly ports?: PublishedPortArgs[];
    /** Wait for convergence during `pulumi up`. */
    readonly converge?: ConvergeArgs;
}

/**
 * Postgres with its tuning actually applied: pgtune settings from the memory limit passed as `postgres -c ...`
 * (the official image ignores POSTGRES_SHARED_BUFFERS and friends), a sized /dev/shm tmpfs, the password from a
 * Docker secret, data on a named volume and a `pg_isready` healthcheck.
 */
export class Postgres extends pulumi.ComponentResource {
    /** Service name (host name on the overlays). */
    public readonly serviceName: pulumi.Output<string>;
    /** The settings passed with `-c`. */
    public readonly settings: PgSettings;
    /** Port clients connect to. */
    public readonly port = 5432;
    /** Database user. */
    public readonly user: string;
    /** Database name. */
    public readonly database: string;
    /** The underlying SwarmService. */
    public readonly swarmService: SwarmService;

    constructor(name: string, args: PostgresArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("sophia:swarm:Postgres", name, {}, opts);
        const serviceName = args.serviceName ?? SERVICE_NAMES.postgres;
        this.user = args.user ?? "sophia";
        this.database = args.database ?? "sophia_ai";
        const memoryBytes = args.resources.limits.memoryBytes;
        this.settings = pgTune({
            memoryBytes,
            cpus: args.resources.limits.nanoCpus / 1e9,
            maxConnections: args.maxConnections,
            storage: args.storage,
        });

        const volume = new docker.Volume(
            `${name}-data`,
            {
                name: `${serviceName}-data`,
                labels: [{ label: "sophia.service", value: serviceName }],
            },
            { parent: this, protect: false },
        );

        this.swarmService = new SwarmService(
            name,
            {
                serviceName,
                image: args.image,
                resources: args.resources,
                args: pgSettingsToArgs(this.settings),
                env: {
                    POSTGRES_USER: this.user,
                    POSTGRES_DB: this.database,
                    POSTGRES_PASSWORD_FILE: POSTGRES_PASSWORD_FILE,
                },
                secrets: [
                    {
                        key: "password",
                        data: args.password,
                        target: POSTGRES_PASSWORD_FILE,
                        uid: POSTGRES_UID,
                        gid: POSTGRES_UID,
                    },
                ],
                healthcheck: {
                    test: ["CMD-SHELL", `pg_isready -U ${this.user} -d ${this.database} -h 127.0.0.1`],
                    interval: "30s",
                    timeout: "10s",
                    retries: 3,
                    startPeriod: "60s",
                },
                stateful: true,
                networks: args.networks,
                constraints: args.constraints,
                endpointMode: args.endpointMode,
                ports: args.ports,
                mounts: [
                    { type: "volume", source: volume.name, target: "/var/lib/postgresql/data" },
                    // Dynamic shared memory for parallel query; Swarm has no shm_size, and 64MB fails under load.
                    { type: "tmpfs", target: "/dev/shm", sizeBytes: pgShmBytes(memoryBytes) },
                    // The root filesystem is read-only: the socket and its lock file need a writable directory.
                    { type: "tmpfs", target: POSTGRES_SOCKET_DIR, sizeBytes: 1024 * 1024 },
                ],
                // Started as postgres itself, the official entrypoint skips its root-only steps (chown, gosu) and needs
                // no capability: the volume is created from the image's data directory, owned by 999. Postgres writes
                // only the data volume, /dev/shm and the socket directory; the postmaster reaps its own children.
                user: `${POSTGRES_UID}:${POSTGRES_UID}`,
                stopGracePeriod: "60s",
                converge: args.converge,
            },
            { parent: this },
        );

        this.serviceName = this.swarmService.serviceName;
        this.registerOutputs({ serviceName: this.serviceName, settings: this.settings });
    }
}
