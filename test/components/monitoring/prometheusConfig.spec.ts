import { expect } from "chai";
import {
    buildPrometheusConfig,
    scrapeJob,
    validateScrapeTargets,
} from "../../../components/monitoring/prometheusConfig";
import { buildRuleFiles, resolveRuleOptions } from "../../../components/monitoring/rules";
import { runTool, tempDir, writeYamlFiles } from "./tools";

const targets = [
    { job: "chat-cache", serviceName: "sophia-chat-cache", port: 8080 },
    { job: "sync-monitor", serviceName: "sophia-sync-monitor", port: 9464, path: "/metrics" },
    { job: "node-exporter", serviceName: "sophia-node-exporter", port: 9100 },
];

describe("buildPrometheusConfig", () => {
    const rules = buildRuleFiles(resolveRuleOptions({ expectedServices: targets.map((t) => t.job) }));
    const config = buildPrometheusConfig({
        stack: "dev",
        targets,
        alertmanager: { serviceName: "sophia-alertmanager", port: 9093 },
        ruleFiles: Object.keys(rules),
    });

    it("passes `promtool check config` with its rule files in place", () => {
        const tmp = tempDir("sophia-prom-");
        try {
            writeYamlFiles(tmp.dir, { "prometheus.yml": config, ...rules });
            const r = runTool("promtool", ["check", "config", "--lint-fatal", "prometheus.yml"], tmp.dir);
            expect(r.status, r.output).to.equal(0);
            for (const file of Object.keys(rules)) {
                expect(r.output).to.contain(`Checking ${file}`);
            }
        } finally {
            tmp.remove();
        }
    });

    it("fails `promtool check config` when a referenced rule file is missing (the check is real)", () => {
        const tmp = tempDir("sophia-prom-");
        try {
            writeYamlFiles(tmp.dir, { "prometheus.yml": config });
            const r = runTool("promtool", ["check", "config", "--lint-fatal", "prometheus.yml"], tmp.dir);
            expect(r.status).to.not.equal(0);
        } finally {
            tmp.remove();
        }
    });

    it("scrapes every task through DNS `tasks.<service>` A records and labels it with its service", () => {
        const job = scrapeJob(targets[0]);
        expect(job.dns_sd_configs).to.deep.equal([
            { names: ["tasks.sophia-chat-cache"], type: "A", port: 8080, refresh_interval: "30s" },
        ]);
        expect(job.metrics_path).to.equal("/metrics");
        expect(job.relabel_configs).to.deep.equal([{ target_label: "service", replacement: "chat-cache" }]);
        expect(config.scrape_configs.map((s) => s.job_name)).to.deep.equal([
            "prometheus",
            "chat-cache",
            "sync-monitor",
            "node-exporter",
        ]);
        expect(config.alerting.alertmanagers[0].dns_sd_configs?.[0].names).to.deep.equal(["tasks.sophia-alertmanager"]);
        expect(config.global.external_labels).to.deep.equal({ platform: "sophia", stack: "dev" });
    });

    it("rejects duplicate jobs, bad ports and relative paths, naming the field", () => {
        expect(() => validateScrapeTargets([targets[0], targets[0]])).to.throw(/`job` "chat-cache" is listed twice/);
        expect(() => validateScrapeTargets([{ ...targets[0], port: 0 }])).to.throw(/`port` must be 1-65535/);
        expect(() => validateScrapeTargets([{ ...targets[0], path: "metrics" }])).to.throw(
            /`path` must start with '\/'/,
        );
        expect(() => validateScrapeTargets([{ ...targets[0], job: "chat cache" }])).to.throw(/`job` must be letters/);
    });
});
