import { AlertingRule, isAlertingRule, Rule, RuleFile, RuleGroup } from "../types";
import { anomalyGroup } from "./anomaly";
import { availabilityGroup } from "./availability";
import { capacityGroup } from "./capacity";
import { dependenciesGroup } from "./dependencies";
import { healthGroup } from "./health";
import { overlayGroup } from "./overlay";
import { RuleOptions } from "./options";

export * from "./options";
export { ANOMALY_SIGNALS, zscoreRecord } from "./anomaly";
export { OVERLAY_ALERT_FOR } from "./overlay";
export { HEALTH_BANDS, PLATFORM_WEIGHTS, statusExpr } from "./health";

/** The runbook anchor of an alert: its heading `### AlertName` in docs/monitoring.md. */
export function runbookAnchor(alert: string): string {
    return alert.toLowerCase();
}

function withRunbook(rule: Rule, base: string): Rule {
    if (!isAlertingRule(rule)) {
        return rule;
    }
    const alert: AlertingRule = {
        ...rule,
        annotations: { ...rule.annotations, runbook_url: `${base}#${runbookAnchor(rule.alert)}` },
    };
    return alert;
}

/**
 * Every rule file of the stack, keyed by its path relative to prometheus.yml (`rules/<group>.yml`). One group per
 * file so a change to one rolls only one Docker config.
 */
export function buildRuleFiles(opts: RuleOptions): Record<string, RuleFile> {
    const groups: RuleGroup[] = [
        healthGroup(opts),
        availabilityGroup(opts),
        anomalyGroup(),
        capacityGroup(opts),
        dependenciesGroup(opts),
        overlayGroup(),
    ];
    const files: Record<string, RuleFile> = {};
    for (const g of groups) {
        files[`rules/${g.name.replace(/^sophia-/, "")}.yml`] = {
            groups: [{ ...g, rules: g.rules.map((r) => withRunbook(r, opts.runbookBaseUrl)) }],
        };
    }
    return files;
}

/** Every alerting rule, flattened (for docs and tests). */
export function allAlerts(files: Record<string, RuleFile>): AlertingRule[] {
    return Object.values(files).flatMap((f) => f.groups.flatMap((g) => g.rules.filter(isAlertingRule)));
}
