import * as pulumi from "@pulumi/pulumi";
import { nodeHttpHealthcheck } from "./nodeHealthcheck";
import { MountedFile } from "./swarmObjects";
import { runtimeHardening, RuntimeServiceArgs } from "./runtimeServiceArgs";
import { SwarmService } from "./swarmService";
import {
    SYNC_MONITOR_DEFAULT_PORT,
    SYNC_MONITOR_ENV as ENV,
    SYNC_MONITOR_FILES as FILES,
    SYNC_MONITOR_MONITOR_FLAG,
    SYNC_MONITOR_PATHS,
    SYNC_MONITOR_SERVICE,
    SYNC_MONITOR_UID,
} from "../runtime/sync-monitor/src/contract";

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
        this.port = args.port ?? SYNC_MONITOR_DEFAULT_PORT;
        const file = (key: string, data: pulumi.Input<string>, target: string): MountedFile => ({
            key,
            data,
            target,
            uid: SYNC_MONITOR_UID,
            gid: SYNC_MONITOR_UID,
        });
        const secrets = [
            file("github-token", args.githubToken, FILES.githubToken),
            file("pulumi-access-token", args.pulumiAccessToken, FILES.pulumiAccessToken),
            file("database-password", args.postgres.password, FILES.databasePassword),
            file("hmac-key", args.hmacKey, FILES.hmacKey),
            file("admin-token", args.adminToken, FILES.adminToken),
        ];
        const env: Record<string, pulumi.Input<string>> = {
            ...(args.env ?? {}),
            [ENV.port]: String(this.port),
            [ENV.syncConfig]: FILES.syncConfig,
            [ENV.githubApiUrl]: args.githubApiUrl,
            [ENV.githubTokenFile]: FILES.githubToken,
            [ENV.pulumiBackendUrl]: args.pulumiBackendUrl,
            [ENV.pulumiAccessTokenFile]: FILES.pulumiAccessToken,
            [ENV.databaseUrl]: pulumi.interpolate`postgres://${args.postgres.user}@${args.postgres.host}:${args.postgres.port}/${args.postgres.database}`,
            [ENV.databasePasswordFile]: FILES.databasePassword,
            [ENV.hmacKeyFile]: FILES.hmacKey,
            [ENV.adminTokenFile]: FILES.adminToken,
        };
        if (args.alertmanagerUrl !== undefined) {
            env[ENV.alertmanagerUrl] = args.alertmanagerUrl;
        }
        const configs: MountedFile[] = [{ key: "mapping", data: args.syncConfigYaml, target: FILES.syncConfig }];
        if (args.attestations !== undefined) {
            configs.push({ key: "attestations", data: args.attestations, target: FILES.attestations });
            env[ENV.attestationsFile] = FILES.attestations;
        }

        this.swarmService = new SwarmService(
            name,
            {
                serviceName: SYNC_MONITOR_SERVICE,
                image: args.image,
                resources: args.resources,
                replicas: 1,
                args: [SYNC_MONITOR_MONITOR_FLAG],
                env,
                secrets,
                configs,
                healthcheck: nodeHttpHealthcheck(this.port, SYNC_MONITOR_PATHS.health),
                // One writer at a time: a second task during an update could double-push within GitHub's write budget.
                stateful: true,
                networks: args.networks,
                constraints: args.constraints,
                endpointMode: args.endpointMode,
                ports: args.ports,
                converge: args.converge,
                metrics: { port: this.port, path: SYNC_MONITOR_PATHS.metrics },
                labels: { "sophia.runtime": SYNC_MONITOR_SERVICE },
                ...runtimeHardening(SYNC_MONITOR_UID),
                registryAuth: args.registryAuth,
            },
            { parent: this },
        );
        this.serviceName = this.swarmService.serviceName;
        this.registerOutputs({ serviceName: this.serviceName });
    }
}
