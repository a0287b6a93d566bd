import type { PostgresTargetArgs } from "../monitoringStack";
import { SwarmService } from "../../swarmService";
import { ResolvedResources } from "../../tiers";
import { httpCheck, MONITORING_PORTS, MonitoringServiceContext, monitoringService, UIDS, USERS } from "./context";

/** What postgres_exporter needs beyond the shared context. */
export interface PostgresExporterServiceArgs {
    readonly serviceName: string;
    readonly image: string;
    readonly resources: ResolvedResources;
    readonly postgres: PostgresTargetArgs;
}

/** postgres_exporter: DSN without the password, which comes from a file. */
export function postgresExporterService(
    ctx: MonitoringServiceContext,
    args: PostgresExporterServiceArgs,
): SwarmService {
    const pg = args.postgres;
    const port = MONITORING_PORTS.postgresExporter;
    return monitoringService(ctx, "postgres-exporter", {
        ...ctx.common,
        serviceName: args.serviceName,
        image: args.image,
        resources: args.resources,
        env: {
            DATA_SOURCE_URI: `${pg.serviceName}:${pg.port ?? 5432}/${pg.database}?sslmode=${pg.sslMode ?? "disable"}`,
            DATA_SOURCE_USER: pg.user,
            DATA_SOURCE_PASS_FILE: "/run/secrets/postgres_password",
        },
        secrets: [
            {
                key: "postgres-password",
                data: pg.password,
                target: "/run/secrets/postgres_password",
                uid: UIDS.nobody,
            },
        ],
        user: USERS.nobody,
        healthcheck: httpCheck(`http://localhost:${port}/`),
        metrics: { port },
    });
}
