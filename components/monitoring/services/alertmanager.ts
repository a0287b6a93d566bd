import type { EmailArgs, SlackArgs } from "../monitoringStack";
import { MountedFile } from "../../swarmObjects";
import { SwarmService } from "../../swarmService";
import { ResolvedResources } from "../../tiers";
import { buildAlertmanagerConfig } from "../alertmanagerConfig";
import { toYaml } from "../render";
import {
    httpCheck,
    MONITORING_PORTS,
    MonitoringServiceContext,
    monitoringService,
    monitoringVolume,
    publishedPort,
    UIDS,
    USERS,
} from "./context";

/** What the Alertmanager service needs beyond the shared context. */
export interface AlertmanagerServiceArgs {
    readonly serviceName: string;
    readonly image: string;
    readonly resources: ResolvedResources;
    readonly slack?: SlackArgs;
    readonly email?: EmailArgs;
    readonly publish?: number;
}

const SLACK_URL_FILE = "/run/secrets/slack_webhook_url";
const SMTP_PASSWORD_FILE = "/run/secrets/smtp_password";

/** Alertmanager: single replica (no gossip), silences on a volume, receiver secrets as files. */
export function alertmanagerService(ctx: MonitoringServiceContext, args: AlertmanagerServiceArgs): SwarmService {
    const port = MONITORING_PORTS.alertmanager;
    const secrets: MountedFile[] = [];
    if (args.slack) {
        secrets.push({
            key: "slack-webhook-url",
            data: args.slack.webhookUrl,
            target: SLACK_URL_FILE,
            uid: UIDS.nobody,
        });
    }
    if (args.email?.password !== undefined) {
        secrets.push({ key: "smtp-password", data: args.email.password, target: SMTP_PASSWORD_FILE, uid: UIDS.nobody });
    }
    const config = buildAlertmanagerConfig({
        slack: args.slack && { channel: args.slack.channel, apiUrlFile: SLACK_URL_FILE },
        email: args.email && {
            to: args.email.to,
            from: args.email.from,
            smarthost: args.email.smarthost,
            username: args.email.username,
            passwordFile: args.email.password !== undefined ? SMTP_PASSWORD_FILE : undefined,
            requireTls: args.email.requireTls,
        },
    });
    const data = monitoringVolume(ctx, "alertmanager", `${args.serviceName}-data`);
    return monitoringService(ctx, "alertmanager", {
        ...ctx.common,
        serviceName: args.serviceName,
        image: args.image,
        resources: args.resources,
        args: [
            "--config.file=/etc/alertmanager/alertmanager.yml",
            "--storage.path=/alertmanager",
            "--cluster.listen-address=",
        ],
        configs: [{ key: "alertmanager", data: toYaml(config), target: "/etc/alertmanager/alertmanager.yml" }],
        secrets,
        mounts: [{ type: "volume", source: data.name, target: "/alertmanager" }],
        // Writes only silences and the notification log, on the volume.
        user: USERS.nobody,
        healthcheck: httpCheck(`http://localhost:${port}/-/healthy`),
        stateful: true,
        constraints: ctx.constraints,
        ports: publishedPort(ctx, port, args.publish),
        metrics: { port },
    });
}
