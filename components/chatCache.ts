import * as pulumi from "@pulumi/pulumi";
import { nodeHttpHealthcheck } from "./nodeHealthcheck";
import { MountedFile } from "./swarmObjects";
import { runtimeHardening, RuntimeServiceArgs } from "./runtimeServiceArgs";
import { SwarmService } from "./swarmService";
import {
    CHAT_CACHE_DEFAULT_PORT,
    CHAT_CACHE_ENV,
    CHAT_CACHE_FILES,
    CHAT_CACHE_PATHS,
    CHAT_CACHE_SERVICE,
    CHAT_CACHE_UID,
} from "../runtime/chat-cache/src/contract";

export interface ChatCacheArgs extends RuntimeServiceArgs {
    /** Defaults to 2: a cache in front of the LLM should survive one task's update or failure. */
    readonly replicas?: number;
    /** Redis host, port and password (password becomes a Docker secret). */
    readonly redis: {
        readonly host: pulumi.Input<string>;
        readonly port: number;
        readonly password: pulumi.Input<string>;
    };
    /** OpenAI-compatible upstream, e.g. http://llm-gateway:8000/v1, and its API key (optional; else the client's is forwarded). */
    readonly upstream: { readonly baseUrl: string; readonly apiKey?: pulumi.Input<string> };
    /** TTL rules file content (YAML/JSON), mounted as a Docker config and passed as CACHE_RULES_FILE. Extra env: CACHE_DEFAULT_TTL_SECONDS, UPSTREAM_TIMEOUT_MS, ... */
    readonly rules?: string;
}

/** The chat-cache proxy as a Swarm service: stateless, start-first updates, secrets as files, metrics on its port. */
export class ChatCache extends pulumi.ComponentResource {
    public readonly serviceName: pulumi.Output<string>;
    public readonly port: number;
    public readonly swarmService: SwarmService;

    constructor(name: string, args: ChatCacheArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("sophia:runtime:ChatCache", name, {}, opts);
        this.port = args.port ?? CHAT_CACHE_DEFAULT_PORT;
        const secrets: MountedFile[] = [
            {
                key: "redis-password",
                data: args.redis.password,
                target: CHAT_CACHE_FILES.redisPassword,
                uid: CHAT_CACHE_UID,
                gid: CHAT_CACHE_UID,
            },
        ];
        const env: Record<string, pulumi.Input<string>> = {
            ...(args.env ?? {}),
            [CHAT_CACHE_ENV.port]: String(this.port),
            [CHAT_CACHE_ENV.upstreamBaseUrl]: args.upstream.baseUrl,
            [CHAT_CACHE_ENV.redisUrl]: pulumi.interpolate`redis://${args.redis.host}:${args.redis.port}/0`,
            [CHAT_CACHE_ENV.redisPasswordFile]: CHAT_CACHE_FILES.redisPassword,
        };
        if (args.upstream.apiKey !== undefined) {
            secrets.push({
                key: "upstream-api-key",
                data: args.upstream.apiKey,
                target: CHAT_CACHE_FILES.upstreamApiKey,
                uid: CHAT_CACHE_UID,
                gid: CHAT_CACHE_UID,
            });
            env[CHAT_CACHE_ENV.upstreamApiKeyFile] = CHAT_CACHE_FILES.upstreamApiKey;
        }
        const configs: MountedFile[] = [];
        if (args.rules !== undefined) {
            configs.push({ key: "rules", data: args.rules, target: CHAT_CACHE_FILES.rules });
            env[CHAT_CACHE_ENV.rulesFile] = CHAT_CACHE_FILES.rules;
        }

        this.swarmService = new SwarmService(
            name,
            {
                serviceName: CHAT_CACHE_SERVICE,
                image: args.image,
                resources: args.resources,
                replicas: args.replicas ?? 2,
                env,
                secrets,
                configs,
                healthcheck: nodeHttpHealthcheck(this.port, CHAT_CACHE_PATHS.health),
                networks: args.networks,
                constraints: args.constraints,
                // No spread preference: Swarm's scheduler already puts a service's replicas on different nodes where
                // it can, and "node.id" is not a descriptor Swarm spreads over (only node.labels.*/engine.labels.*).
                endpointMode: args.endpointMode,
                ports: args.ports,
                converge: args.converge,
                // In-flight completions may take the upstream's full timeout (30 s) to finish after SIGTERM.
                stopGracePeriod: "40s",
                metrics: { port: this.port, path: CHAT_CACHE_PATHS.metrics },
                labels: { "sophia.runtime": CHAT_CACHE_SERVICE },
                ...runtimeHardening(CHAT_CACHE_UID),
                registryAuth: args.registryAuth,
            },
            { parent: this },
        );
        this.serviceName = this.swarmService.serviceName;
        this.registerOutputs({ serviceName: this.serviceName });
    }
}
