import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { SERVICE_NAMES } from "./serviceNames";
import { defaultRedisMaxmemory, redisMaxmemoryFits, redisServerArgs } from "./redisTuning";
import { ConvergeArgs, PublishedPortArgs, SwarmService } from "./swarmService";
import { ResolvedResources } from "./tiers";
import { formatRedisSize } from "./units";

/** Password file for clients and the healthcheck. */
export const REDIS_PASSWORD_FILE = "/run/secrets/redis_password";
/** Config file that carries `requirepass`, so the password never appears in the process arguments. */
export const REDIS_AUTH_CONF_FILE = "/run/secrets/redis_auth.conf";
/** uid/gid of the `redis` user in the official image; the server reads its config file as that user. */
const REDIS_UID = "999";

export interface RedisArgs {
    /** Docker service name. Defaults to "redis". */
    readonly serviceName?: string;
    /** Image, pinned (e.g. "redis:7.2.5-bookworm"). */
    readonly image: string;
    /** Resources; maxmemory is checked against their memory limit. */
    readonly resources: ResolvedResources;
    /** maxmemory in bytes. Defaults to 60% of the memory limit. Must be at most 2/3 of the limit. */
    readonly maxmemoryBytes?: number;
    /** Eviction policy. Defaults to "allkeys-lru". */
    readonly evictionPolicy?: string;
    /** AOF persistence (everysec). Defaults to true. */
    readonly appendonly?: boolean;
    /** Password (Docker secret). */
    readonly password: pulumi.Input<string>;
    readonly networks: pulumi.Input<string>[];
    readonly constraints?: string[];
    readonly endpointMode?: "vip" | "dnsrr";
    readonly ports?: PublishedPortArgs[];
    readonly converge?: ConvergeArgs;
}

/** Redis as a cache with headroom: maxmemory well under the limit, LRU eviction, AOF on a named volume, auth from a secret. */
export class Redis extends pulumi.ComponentResource {
    public readonly serviceName: pulumi.Output<string>;
    /** maxmemory actually configured, in bytes. */
    public readonly maxmemoryBytes: number;
    /** Eviction policy actually configured. */
    public readonly evictionPolicy: string;
    public readonly port = 6379;
    public readonly swarmService: SwarmService;

    constructor(name: string, args: RedisArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("sophia:swarm:Redis", name, {}, opts);
        const serviceName = args.serviceName ?? SERVICE_NAMES.redis;
        const limit = args.resources.limits.memoryBytes;
        this.maxmemoryBytes = args.maxmemoryBytes ?? defaultRedisMaxmemory(limit);
        this.evictionPolicy = args.evictionPolicy ?? "allkeys-lru";
        if (!redisMaxmemoryFits(this.maxmemoryBytes, limit)) {
            throw new pulumi.ResourceError(
                `Redis \`maxmemory\` ${formatRedisSize(this.maxmemoryBytes)} leaves too little headroom under the ${limit}-byte memory limit; keep it at most 2/3 of the limit (fork copy-on-write and buffers live outside maxmemory).`,
                this,
            );
        }

        const volume = new docker.Volume(
            `${name}-data`,
            {
                name: `${serviceName}-data`,
                labels: [{ label: "sophia.service", value: serviceName }],
            },
            { parent: this },
        );

        const authConf = pulumi
            .output(args.password)
            .apply((pw) => `requirepass "${pw.replace(/(["\\])/g, "\\$1")}"\n`);
        this.swarmService = new SwarmService(
            name,
            {
                serviceName,
                image: args.image,
                resources: args.resources,
                args: [
                    "redis-server",
                    REDIS_AUTH_CONF_FILE,
                    ...redisServerArgs({
                        maxmemoryBytes: this.maxmemoryBytes,
                        policy: this.evictionPolicy,
                        appendonly: args.appendonly ?? true,
                    }),
                ],
                secrets: [
                    { key: "auth-conf", data: authConf, target: REDIS_AUTH_CONF_FILE, uid: REDIS_UID, gid: REDIS_UID },
                    {
                        key: "password",
                        data: args.password,
                        target: REDIS_PASSWORD_FILE,
                        uid: REDIS_UID,
                        gid: REDIS_UID,
                    },
                ],
                // REDISCLI_AUTH keeps the password out of the healthcheck's argv; PING must answer PONG, not NOAUTH.
                healthcheck: {
                    test: ["CMD-SHELL", `REDISCLI_AUTH="$(cat ${REDIS_PASSWORD_FILE})" redis-cli ping | grep -q PONG`],
                    interval: "20s",
                    timeout: "10s",
                    retries: 3,
                    startPeriod: "30s",
                },
                stateful: true,
                networks: args.networks,
                constraints: args.constraints,
                endpointMode: args.endpointMode,
                ports: args.ports,
                mounts: [{ type: "volume", source: volume.name, target: "/data" }],
                // Started as redis itself, the official entrypoint skips its chown and gosu and needs no capability: the
                // volume is created from the image's /data, owned by 999. Redis writes only /data (AOF and RDB) and
                // reaps its own rewrite/save children.
                user: `${REDIS_UID}:${REDIS_UID}`,
                // The backlog Redis asks for (511) is capped by the namespace's somaxconn (128 on older kernels).
                sysctls: { "net.core.somaxconn": "1024" },
                converge: args.converge,
            },
            { parent: this },
        );

        this.serviceName = this.swarmService.serviceName;
        this.registerOutputs({ serviceName: this.serviceName, maxmemoryBytes: this.maxmemoryBytes });
    }
}
