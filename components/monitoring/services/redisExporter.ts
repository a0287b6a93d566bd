import * as pulumi from "@pulumi/pulumi";
import type { RedisTargetArgs } from "../monitoringStack";
import { SwarmService } from "../../swarmService";
import { ResolvedResources } from "../../tiers";
import { MONITORING_PORTS, MonitoringServiceContext, monitoringService, UIDS, USERS } from "./context";

/** What redis_exporter needs beyond the shared context. */
export interface RedisExporterServiceArgs {
    readonly serviceName: string;
    readonly image: string;
    readonly resources: ResolvedResources;
    readonly redis: RedisTargetArgs;
}

/** redis_exporter: its password file is a JSON map from Redis URI to password. */
export function redisExporterService(ctx: MonitoringServiceContext, args: RedisExporterServiceArgs): SwarmService {
    const uri = `redis://${args.redis.serviceName}:${args.redis.port ?? 6379}`;
    return monitoringService(ctx, "redis-exporter", {
        ...ctx.common,
        serviceName: args.serviceName,
        image: args.image,
        resources: args.resources,
        env: { REDIS_ADDR: uri, REDIS_PASSWORD_FILE: "/run/secrets/redis_passwords.json" },
        secrets: [
            {
                key: "redis-passwords",
                data: pulumi.output(args.redis.password).apply((p) => JSON.stringify({ [uri]: p })),
                target: "/run/secrets/redis_passwords.json",
                uid: UIDS.redisExporter,
            },
        ],
        user: USERS.redisExporter,
        // A scratch image: no shell or wget for a healthcheck; `up` and `redis_up` show its state.
        metrics: { port: MONITORING_PORTS.redisExporter },
    });
}
