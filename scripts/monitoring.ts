/**
 * Monitoring stack helper.
 *   npx ts-node --transpile-only scripts/monitoring.ts runbook         regenerate docs/monitoring.md
 *   npx ts-node --transpile-only scripts/monitoring.ts render <dir>    write every generated config to <dir> and check it
 *                                                                    with promtool and amtool (exit 1 on failure)
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { buildAlertmanagerConfig } from "../components/monitoring/alertmanagerConfig";
import { buildDashboards } from "../components/monitoring/grafana/dashboards";
import { dashboardProvisioning, datasourceProvisioning } from "../components/monitoring/grafana/provisioning";
import { JOBS } from "../components/monitoring/names";
import { buildPrometheusConfig, ScrapeTarget } from "../components/monitoring/prometheusConfig";
import { toYaml } from "../components/monitoring/render";
import { buildRuleFiles, resolveRuleOptions } from "../components/monitoring/rules";
import { renderRunbook } from "../components/monitoring/runbook";
import { SERVICE_NAMES } from "../components/serviceNames";
import { CHAT_CACHE_DEFAULT_PORT } from "../runtime/chat-cache/src/contract";
import { SYNC_MONITOR_DEFAULT_PORT } from "../runtime/sync-monitor/src/contract";

function write(file: string, text: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
}

function check(cmd: string, args: string[], cwd: string): boolean {
    const r = spawnSync(cmd, args, { cwd, encoding: "utf8" });
    process.stdout.write(`$ ${cmd} ${args.join(" ")}\n${r.stdout ?? ""}${r.stderr ?? ""}`);
    return r.status === 0;
}

function render(dir: string): number {
    const targets: ScrapeTarget[] = [
        { job: JOBS.chatCache, serviceName: SERVICE_NAMES.chatCache, port: CHAT_CACHE_DEFAULT_PORT },
        { job: JOBS.syncMonitor, serviceName: SERVICE_NAMES.syncMonitor, port: SYNC_MONITOR_DEFAULT_PORT },
        { job: JOBS.alertmanager, serviceName: "alertmanager", port: 9093 },
        { job: JOBS.nodeExporter, serviceName: "node-exporter", port: 9100 },
        { job: JOBS.cadvisor, serviceName: "cadvisor", port: 8080 },
        { job: JOBS.redis, serviceName: "redis-exporter", port: 9121 },
        { job: JOBS.postgres, serviceName: "postgres-exporter", port: 9187 },
    ];
    const rules = buildRuleFiles(
        resolveRuleOptions({ expectedServices: [JOBS.prometheus, ...targets.map((t) => t.job)] }),
    );
    const prom = buildPrometheusConfig({
        stack: "render",
        targets,
        alertmanager: { serviceName: "alertmanager", port: 9093 },
        ruleFiles: Object.keys(rules),
    });
    write(path.join(dir, "prometheus", "prometheus.yml"), toYaml(prom));
    for (const [rel, file] of Object.entries(rules)) write(path.join(dir, "prometheus", rel), toYaml(file));
    const am = buildAlertmanagerConfig({
        slack: { channel: "#alerts", apiUrlFile: "/run/secrets/slack_webhook_url" },
        email: {
            to: "oncall@example.com",
            from: "alerts@example.com",
            smarthost: "smtp.example.com:587",
            username: "alerts",
            passwordFile: "/run/secrets/smtp_password",
        },
    });
    write(path.join(dir, "alertmanager", "alertmanager.yml"), toYaml(am));
    write(
        path.join(dir, "grafana", "provisioning", "datasources", "sophia.yml"),
        toYaml(datasourceProvisioning("http://prometheus:9090")),
    );
    write(path.join(dir, "grafana", "provisioning", "dashboards", "sophia.yml"), toYaml(dashboardProvisioning()));
    for (const [file, d] of Object.entries(buildDashboards()))
        write(path.join(dir, "grafana", "dashboards", file), JSON.stringify(d, null, 2));
    const ok =
        check("promtool", ["check", "config", "--lint-fatal", "prometheus.yml"], path.join(dir, "prometheus")) &&
        check("amtool", ["check-config", "alertmanager.yml"], path.join(dir, "alertmanager"));
    return ok ? 0 : 1;
}

function main(argv: string[]): number {
    const [cmd, arg] = argv;
    if (cmd === "runbook") {
        write(path.join(__dirname, "..", "docs", "monitoring.md"), renderRunbook());
        return 0;
    }
    if (cmd === "render" && arg) {
        return render(path.resolve(arg));
    }
    process.stderr.write("usage: monitoring.ts runbook | render <dir>\n");
    return 2;
}

process.exitCode = main(process.argv.slice(2));
