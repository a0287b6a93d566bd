/**
 * Typed shapes of the Prometheus, rule and Alertmanager files this stack generates. Only the fields the stack uses are
 * modelled; the generated objects are serialised with the `yaml` package, never written as YAML text by hand.
 */

/** Alert severities, lowest to highest. Routing and inhibition key on them. */
export type Severity = "info" | "warning" | "critical";

/** A Prometheus recording rule. */
export interface RecordingRule {
    readonly record: string;
    readonly expr: string;
    readonly labels?: Readonly<Record<string, string>>;
}

/** The annotations every alert of this stack carries. Templates may only use `{{ $labels.<name> }}`. */
export interface AlertAnnotations {
    /** One line: what is wrong. */
    readonly summary: string;
    /** What the alert measures and why it matters. */
    readonly description: string;
    /** What to do about it. */
    readonly recommendation: string;
    /** Link to the runbook section; filled in by the rule builder. */
    readonly runbook_url?: string;
}

/** A Prometheus alerting rule. */
export interface AlertingRule {
    readonly alert: string;
    readonly expr: string;
    readonly for?: string;
    readonly labels: Readonly<{ severity: Severity } & Record<string, string>>;
    readonly annotations: AlertAnnotations;
}

export type Rule = RecordingRule | AlertingRule;

/** A rule group: rules in a group run in order, so a recording rule can feed the ones after it. */
export interface RuleGroup {
    readonly name: string;
    readonly interval?: string;
    readonly rules: readonly Rule[];
}

/** One rule file. */
export interface RuleFile {
    readonly groups: readonly RuleGroup[];
}

/** Type guard for alerting rules. */
export function isAlertingRule(rule: Rule): rule is AlertingRule {
    return (rule as AlertingRule).alert !== undefined;
}

/** Prometheus `relabel_configs` entry. */
export interface RelabelConfig {
    readonly source_labels?: readonly string[];
    readonly separator?: string;
    readonly regex?: string;
    readonly target_label?: string;
    readonly replacement?: string;
    readonly action?: "replace" | "keep" | "drop" | "labelmap" | "labeldrop" | "labelkeep";
}

/** Prometheus DNS service discovery. */
export interface DnsSdConfig {
    readonly names: readonly string[];
    readonly type: "A" | "AAAA" | "SRV";
    readonly port: number;
    readonly refresh_interval?: string;
}

/** One scrape job. */
export interface ScrapeConfig {
    readonly job_name: string;
    readonly metrics_path?: string;
    readonly scrape_interval?: string;
    readonly scrape_timeout?: string;
    readonly static_configs?: readonly {
        readonly targets: readonly string[];
        readonly labels?: Readonly<Record<string, string>>;
    }[];
    readonly dns_sd_configs?: readonly DnsSdConfig[];
    readonly relabel_configs?: readonly RelabelConfig[];
    readonly metric_relabel_configs?: readonly RelabelConfig[];
}

/** prometheus.yml. */
export interface PrometheusConfig {
    readonly global: {
        readonly scrape_interval: string;
        readonly scrape_timeout: string;
        readonly evaluation_interval: string;
        readonly external_labels: Readonly<Record<string, string>>;
    };
    readonly alerting: {
        readonly alertmanagers: readonly {
            readonly dns_sd_configs?: readonly DnsSdConfig[];
            readonly static_configs?: readonly { readonly targets: readonly string[] }[];
        }[];
    };
    readonly rule_files: readonly string[];
    readonly scrape_configs: readonly ScrapeConfig[];
}

/** Alertmanager route. */
export interface Route {
    readonly receiver?: string;
    readonly group_by?: readonly string[];
    readonly group_wait?: string;
    readonly group_interval?: string;
    readonly repeat_interval?: string;
    readonly matchers?: readonly string[];
    readonly continue?: boolean;
    readonly routes?: readonly Route[];
}

/** Alertmanager Slack receiver (webhook URL read from a file). */
export interface SlackConfig {
    readonly api_url_file: string;
    readonly channel: string;
    readonly send_resolved: boolean;
    readonly title: string;
    readonly text: string;
}

/** Alertmanager email receiver (SMTP password read from a file). */
export interface EmailConfig {
    readonly to: string;
    readonly from: string;
    readonly smarthost: string;
    readonly auth_username?: string;
    readonly auth_password_file?: string;
    readonly require_tls: boolean;
    readonly send_resolved: boolean;
    readonly headers?: Readonly<Record<string, string>>;
}

export interface Receiver {
    readonly name: string;
    readonly slack_configs?: readonly SlackConfig[];
    readonly email_configs?: readonly EmailConfig[];
}

export interface InhibitRule {
    readonly source_matchers: readonly string[];
    readonly target_matchers: readonly string[];
    readonly equal: readonly string[];
}

/** alertmanager.yml. */
export interface AlertmanagerConfig {
    readonly global: { readonly resolve_timeout: string };
    readonly route: Route;
    readonly receivers: readonly Receiver[];
    readonly inhibit_rules: readonly InhibitRule[];
}
