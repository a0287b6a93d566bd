import * as pulumi from "@pulumi/pulumi";
import { nodeHttpHealthcheck } from "./nodeHealthcheck";
import { MountedFile } from "./swarmObjects";
import { RuntimeServiceArgs } from "./runtimeServiceArgs";
import { SwarmService } from "./swarmService";

export const CHAT_CACHE_REDIS_PASSWORD_FILE = "/run/secrets/redis_password";
export const CHAT_CACHE_UPSTREAM_KEY_FILE = "/run/secrets/upstream_api_key";

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
        this.port = args.port ?? 8080;
        const secrets: MountedFile[] = [
            {
                key: "redis-password",
                data: args.redis.password,
                target: CHAT_CACHE_REDIS_PASSWORD_FILE,
                uid: "1000",
                gid: "1000",
            },
        ];
        const env: Record<string, pulumi.Input<string>> = {
            ...(args.env ?? {}),
            PORT: String(this.port),
            UPSTREAM_BASE_URL: args.upstream.baseUrl,
            REDIS_URL: pulumi.interpolate`redis://${args.redis.host}:${args.redis.port}/0`,
            REDIS_PASSWORD_FILE: CHAT_CACHE_REDIS_PASSWORD_FILE,
        };
        if (args.upstream.apiKey !== undefined) {
            secrets.push({
                key: "upstream-api-key",
                data: args.upstream.apiKey,
                target: CHAT_CACHE_UPSTREAM_KEY_FILE,
                uid: "1000",
                gid: "1000",
            });
            env.UPSTREAM_API_KEY_FILE = CHAT_CACHE_UPSTREAM_KEY_FILE;
        }
        const configs: MountedFile[] = [];
        if (args.rules !== undefined) {
            configs.push({ key: "rules", data: args.rules, target: "/etc/chat-cache/rules.yaml" });
            env.CACHE_RULES_FILE = "/etc/chat-cache/rules.yaml";
        }

        this.swarmService = new SwarmService(
            name,
            {
                serviceName: "chat-cache",
                image: args.image,
                resources: args.resources,
                replicas: args.replicas ?? 2,
                env,
                secrets,
                configs,
                healthcheck: nodeHttpHealthcheck(this.port),
                networks: args.networks,
                constraints: args.constraints,
                // Two replicas on one node would both go with it.
                spreadOver: ["node.id"],
                endpointMode: args.endpointMode,
                ports: args.ports,
                converge: args.converge,
                // In-flight completions may take the upstream's full timeout (30 s) to finish after SIGTERM.
                stopGracePeriod: "40s",
                metrics: { port: this.port, path: "/metrics" },
                labels: { "sophia.runtime": "chat-cache" },
                registryAuth: args.registryAuth,
            },
            { parent: this },
        );
        this.serviceName = this.swarmService.serviceName;
        this.registerOutputs({ serviceName: this.serviceName });
    }
}
