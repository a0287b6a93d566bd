import { SYNC_MONITOR_PUSHED_ALERTS } from "./names";
import { AlertmanagerConfig, EmailConfig, InhibitRule, Receiver, Route, SlackConfig } from "./types";

/** Slack receiver settings; the webhook URL itself is a secret file. */
export interface SlackReceiverOptions {
    /** Channel, e.g. "#sophia-alerts". */
    readonly channel: string;
    /** Path of the mounted secret holding the webhook URL. */
    readonly apiUrlFile: string;
}

/** Email receiver settings; the SMTP password is a secret file. */
export interface EmailReceiverOptions {
    /** Recipients, comma-separated as Alertmanager expects. */
    readonly to: string;
    readonly from: string;
    /** SMTP host:port. */
    readonly smarthost: string;
    readonly username?: string;
    /** Path of the mounted secret holding the SMTP password (only with `username`). */
    readonly passwordFile?: string;
    /** Defaults to true. */
    readonly requireTls?: boolean;
}

export interface AlertmanagerOptions {
    readonly slack?: SlackReceiverOptions;
    readonly email?: EmailReceiverOptions;
}

/** Route timings: the "5-minute cooldown" of the original design is group_interval. */
export const ROUTE_TIMING = {
    groupWait: "30s",
    groupInterval: "5m",
    repeatInterval: "4h",
    criticalGroupWait: "10s",
} as const;

/** Receiver names. */
export const RECEIVERS = { default: "default", critical: "critical", blackhole: "blackhole" } as const;

/** Notification templates (Go templates over Alertmanager's template data). */
export const SLACK_TITLE =
    '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.alertname }}{{ with .CommonLabels.service }} ({{ . }}){{ end }}';
export const SLACK_TEXT =
    "{{ range .Alerts }}*{{ .Annotations.summary }}*\n{{ .Annotations.description }}\n*What to do:* {{ .Annotations.recommendation }}{{ with .Annotations.runbook_url }}\n*Runbook:* {{ . }}{{ end }}\n{{ end }}";

export const EMAIL_SUBJECT =
    "[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }}{{ with .CommonLabels.service }} ({{ . }}){{ end }}";

function slack(o: SlackReceiverOptions): SlackConfig {
    return {
        api_url_file: o.apiUrlFile,
        channel: o.channel,
        send_resolved: true,
        title: SLACK_TITLE,
        text: SLACK_TEXT,
    };
}

function email(o: EmailReceiverOptions): EmailConfig {
    if (o.passwordFile && !o.username) {
        throw new Error("email receiver: `passwordFile` needs `username` (SMTP AUTH sends both).");
    }
    return {
        to: o.to,
        from: o.from,
        smarthost: o.smarthost,
        ...(o.username ? { auth_username: o.username } : {}),
        ...(o.passwordFile ? { auth_password_file: o.passwordFile } : {}),
        require_tls: o.requireTls ?? true,
        send_resolved: true,
        headers: { Subject: EMAIL_SUBJECT },
    };
}

/**
 * Cause -> symptom inhibitions. A missing label counts as empty on both sides, so `equal: [stack]` also matches alerts
 * without a stack label, while keeping two stacks sharing an Alertmanager apart.
 */
export const INHIBIT_RULES: readonly InhibitRule[] = [
    {
        // Same alert on the same object: the critical one is enough.
        source_matchers: ['severity="critical"'],
        target_matchers: ['severity="warning"'],
        equal: ["alertname", "service", "instance", "secret", "target", "stack"],
    },
    {
        source_matchers: ['alertname="RedisDown"'],
        target_matchers: [
            'alertname=~"ChatCacheHitRatioAnomaly|ChatCacheRedisCircuitOpen|RedisMemoryAnomaly|RedisEvictionAnomaly|RedisMemoryExhaustionPredicted"',
        ],
        equal: ["stack"],
    },
    {
        source_matchers: ['alertname="PostgresDown"'],
        target_matchers: ['alertname=~"PostgresConnectionsAnomaly|PostgresConnectionsNearLimit"'],
        equal: ["stack"],
    },
    {
        // Everything that carries the lost node's label (exporter targets, forecasts, containers on it).
        source_matchers: ['alertname="NodeDown"'],
        target_matchers: ['alertname!="NodeDown"'],
        equal: ["node", "stack"],
    },
    {
        source_matchers: ['alertname="ServiceDown"'],
        target_matchers: [
            'alertname=~"TargetDown|ServiceHealthDegraded|ServiceHighErrorRatio|ServiceLatencyObjectiveBreach|LatencyAnomaly|ErrorRatioAnomaly"',
        ],
        equal: ["service", "stack"],
    },
    {
        source_matchers: ['alertname="PlatformHealthCritical"'],
        target_matchers: ['alertname="PlatformHealthDegraded"'],
        equal: ["stack"],
    },
];

/** alertmanager.yml as a typed object. Without receivers configured, alerts are kept (UI/API) but not sent. */
export function buildAlertmanagerConfig(opts: AlertmanagerOptions): AlertmanagerConfig {
    const slackConfigs = opts.slack ? [slack(opts.slack)] : undefined;
    const emailConfigs = opts.email ? [email(opts.email)] : undefined;
    const receivers: Receiver[] = [
        // Warnings go to chat when there is one, else to mail.
        {
            name: RECEIVERS.default,
            ...(slackConfigs ? { slack_configs: slackConfigs } : emailConfigs ? { email_configs: emailConfigs } : {}),
        },
        {
            name: RECEIVERS.critical,
            ...(slackConfigs ? { slack_configs: slackConfigs } : {}),
            ...(emailConfigs ? { email_configs: emailConfigs } : {}),
        },
        { name: RECEIVERS.blackhole },
    ];
    const critical: Route = {
        matchers: ['severity="critical"'],
        receiver: RECEIVERS.critical,
        group_wait: ROUTE_TIMING.criticalGroupWait,
    };
    const route: Route = {
        receiver: RECEIVERS.default,
        group_by: ["alertname", "service"],
        group_wait: ROUTE_TIMING.groupWait,
        group_interval: ROUTE_TIMING.groupInterval,
        repeat_interval: ROUTE_TIMING.repeatInterval,
        routes: [
            {
                // Alerts the sync-monitor posts itself carry secret/target instead of service.
                matchers: [`alertname=~"${SYNC_MONITOR_PUSHED_ALERTS.join("|")}"`],
                group_by: ["alertname", "target"],
                routes: [critical],
            },
            critical,
            { matchers: ['severity="info"'], receiver: RECEIVERS.blackhole },
        ],
    };
    return { global: { resolve_timeout: "5m" }, route, receivers, inhibit_rules: INHIBIT_RULES };
}
