import * as pulumi from "@pulumi/pulumi";
import { nodeHttpHealthcheck } from "./nodeHealthcheck";
import { MountedFile } from "./swarmObjects";
import { RuntimeServiceArgs } from "./runtimeServiceArgs";
import { SwarmService } from "./swarmService";

/** Where the mapping file is mounted; the same text the program used for the @pulumi/github resources. */
export const SYNC_CONFIG_PATH = "/etc/sync-monitor/sync-config.yaml";
/** Where the attestations of the secrets this program wrote are mounted. */
export const SYNC_ATTESTATIONS_PATH = "/etc/sync-monitor/attestations.json";

/** The sync-monitor's settings; its HTTP port (metrics, API, health) defaults to 9091. */
export interface SyncMonitorArgs extends RuntimeServiceArgs {
    /** The rendered SYNC_CONFIG mapping file. */
    readonly syncConfigYaml: string;
    readonly githubApiUrl: string;
    readonly githubToken: pulumi.Input<string>;
    readonly pulumiBackendUrl: string;
    readonly pulumiAccessToken: pulumi.Input<string>;
    /** Postgres for the ledger: host, port, user, database and password. */
    readonly postgres: {
        readonly host: pulumi.Input<string>;
        readonly port: number;
        readonly user: string;
        readonly database: string;
        readonly password: pulumi.Input<string>;
    };
    /** HMAC key for the ledger (at least 32 characters; only this service holds it). */
    readonly hmacKey: pulumi.Input<string>;
    /** Bearer token that approves high-risk heals. */
    readonly adminToken: pulumi.Input<string>;
    /** What the program wrote to GitHub (GithubSecrets.attestations), so the monitor can verify those secrets. */
    readonly attestations?: pulumi.Input<string>;
    /** Alertmanager base URL, e.g. http://alertmanager:9093. */
    readonly alertmanagerUrl?: pulumi.Input<string>;
}

/** The secret-sync monitor: one replica (its writes to GitHub must be serial), secrets as files, mapping as a config. */
export class SyncMonitor extends pulumi.ComponentResource {
    public readonly serviceName: pulumi.Output<string>;
    public readonly port: number;
    public readonly swarmService: SwarmService;

    constructor(name: string, args: SyncMonitorArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("sophia:runtime:SyncMonitor", name, {}, opts);
        this.port = args.port ?? 9091;
        const file = (key: string, data: pulumi.Input<string>): MountedFile => ({
            key,
            data,
            target: `/run/secrets/${key.replace(/-/g, "_")}`,
            uid: "1000",
            gid: "1000",
        });
        const secrets = [
            file("github-token", args.githubToken),
            file("pulumi-access-token", args.pulumiAccessToken),
            file("database-password", args.postgres.password),
            file("hmac-key", args.hmacKey),
            file("admin-token", args.adminToken),
        ];
        const env: Record<string, pulumi.Input<string>> = {
            ...(args.env ?? {}),
            PORT: String(this.port),
            SYNC_CONFIG: SYNC_CONFIG_PATH,
            GITHUB_API_URL: args.githubApiUrl,
            GITHUB_TOKEN_FILE: "/run/secrets/github_token",
            PULUMI_BACKEND_URL: args.pulumiBackendUrl,
            PULUMI_ACCESS_TOKEN_FILE: "/run/secrets/pulumi_access_token",
            DATABASE_URL: pulumi.interpolate`postgres://${args.postgres.user}@${args.postgres.host}:${args.postgres.port}/${args.postgres.database}`,
            DATABASE_PASSWORD_FILE: "/run/secrets/database_password",
            SYNC_HMAC_KEY_FILE: "/run/secrets/hmac_key",
            SYNC_ADMIN_TOKEN_FILE: "/run/secrets/admin_token",
        };
        if (args.alertmanagerUrl !== undefined) {
            env.ALERTMANAGER_URL = args.alertmanagerUrl;
        }
        const configs: MountedFile[] = [{ key: "mapping", data: args.syncConfigYaml, target: SYNC_CONFIG_PATH }];
        if (args.attestations !== undefined) {
            configs.push({ key: "attestations", data: args.attestations, target: SYNC_ATTESTATIONS_PATH });
            env.SYNC_ATTESTATIONS_FILE = SYNC_ATTESTATIONS_PATH;
        }

        this.swarmService = new SwarmService(
            name,
            {
                serviceName: "sync-monitor",
                image: args.image,
                resources: args.resources,
                replicas: 1,
                args: ["--monitor"],
                env,
                secrets,
                configs,
                healthcheck: nodeHttpHealthcheck(this.port),
                // One writer at a time: a second task during an update could double-push within GitHub's write budget.
                stateful: true,
                networks: args.networks,
                constraints: args.constraints,
                endpointMode: args.endpointMode,
                ports: args.ports,
                converge: args.converge,
                metrics: { port: this.port, path: "/metrics" },
                labels: { "sophia.runtime": "sync-monitor" },
                registryAuth: args.registryAuth,
            },
            { parent: this },
        );
        this.serviceName = this.swarmService.serviceName;
        this.registerOutputs({ serviceName: this.serviceName });
    }
}
