import { expect } from "chai";
import { ChildProcess, spawn } from "child_process";
import * as http from "http";
import * as net from "net";
import { Registry } from "prom-client";
import { buildPrometheusConfig } from "../../../components/monitoring/prometheusConfig";
import { buildRuleFiles, resolveRuleOptions } from "../../../components/monitoring/rules";
import { PrometheusConfig } from "../../../components/monitoring/types";
import { createMetrics as createChatCacheMetrics } from "../../../runtime/chat-cache/src/metrics";
import { createMetrics as createSyncMonitorMetrics } from "../../../runtime/sync-monitor/src/metrics";
import { freePort } from "./daemon";
import { tempDir, writeYamlFiles } from "./tools";

/**
 * A real Prometheus (Debian's 2.x) loads the generated rule files and scrapes the real chat-cache and sync-monitor
 * metric registries on loopback; the unified-health series must come out of real expositions, not only synthetic ones.
 * Swarm DNS discovery cannot resolve here, so only the discovery block of each job is swapped for a static target.
 */
describe("generated rules in a real Prometheus", function () {
    this.timeout(90000);
    let prom: ChildProcess | undefined;
    let server: http.Server;
    let tmp: { dir: string; remove: () => void };
    let promUrl = "";

    before(async () => {
        // Every scrape adds 9 hits + 1 error (10% errors, 0.9 hit ratio) and 9 OK + 1 failed API call, 100 ms each.
        const cc = createChatCacheMetrics(new Registry());
        const sm = createSyncMonitorMetrics(new Registry());
        sm.healthPercent.set(100);
        sm.consecutiveFailures.set(0);
        server = http.createServer(async (req, res) => {
            const reg = req.url === "/cc" ? cc.registry : sm.registry;
            if (req.url === "/cc") {
                cc.requests.inc({ result: "hit", ttl_class: "default" }, 9);
                cc.requests.inc({ result: "error", ttl_class: "default" }, 1);
                cc.lookupDuration.observe({ tier: "redis" }, 0.001);
            } else {
                for (let i = 0; i < 9; i++)
                    sm.apiDuration.observe({ api: "github", route: "/repos", method: "GET", status: "200" }, 0.1);
                sm.apiDuration.observe({ api: "github", route: "/repos", method: "GET", status: "502" }, 0.1);
            }
            res.writeHead(200, { "content-type": reg.contentType });
            res.end(await reg.metrics());
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
        const targetPort = (server.address() as net.AddressInfo).port;
        const promPort = await freePort();
        promUrl = `http://127.0.0.1:${promPort}`;

        const rules = buildRuleFiles(resolveRuleOptions({ expectedServices: ["chat-cache", "sync-monitor"] }));
        const generated = buildPrometheusConfig({
            stack: "live",
            targets: [
                { job: "chat-cache", serviceName: "chat-cache", port: 8080, path: "/cc" },
                { job: "sync-monitor", serviceName: "sync-monitor", port: 9091, path: "/sm" },
            ],
            alertmanager: { serviceName: "alertmanager", port: 9093 },
            ruleFiles: Object.keys(rules),
        });
        const local: PrometheusConfig = {
            ...generated,
            global: { ...generated.global, scrape_interval: "1s", evaluation_interval: "1s", scrape_timeout: "1s" },
            alerting: { alertmanagers: [] },
            scrape_configs: generated.scrape_configs.map(({ dns_sd_configs, static_configs, ...job }) => ({
                ...job,
                static_configs: [
                    { targets: [job.job_name === "prometheus" ? `127.0.0.1:${promPort}` : `127.0.0.1:${targetPort}`] },
                ],
            })),
        };
        tmp = tempDir("sophia-prom-live-");
        writeYamlFiles(tmp.dir, { "prometheus.yml": local, ...rules });
        prom = spawn(
            "prometheus",
            [
                `--config.file=${tmp.dir}/prometheus.yml`,
                `--storage.tsdb.path=${tmp.dir}/data`,
                `--web.listen-address=127.0.0.1:${promPort}`,
            ],
            { stdio: "ignore" },
        );
    });

    after(async () => {
        prom?.kill("SIGTERM");
        await new Promise((r) => (prom && prom.exitCode === null ? prom.once("exit", r) : r(undefined)));
        await new Promise((r) => server.close(r));
        tmp.remove();
    });

    it("records per-service health and the platform score from real expositions", async () => {
        // Rates need two scrapes; until then a missing error ratio counts as no errors.
        const errors = await waitFor("service:error:ratio_rate5m", (rs) => rs.length === 2);
        for (const r of errors) expect(Number(r.value[1]), r.metric.service).to.be.closeTo(0.1, 1e-9);
        await waitFor("service:latency:score", (rs) => rs.length === 2);
        const health = await waitFor(
            "service:health:ratio",
            (rs) => rs.length >= 3 && rs.every((r) => r.metric.service === "prometheus" || Number(r.value[1]) < 1),
        );
        const byService = Object.fromEntries(health.map((r) => [r.metric.service, Number(r.value[1])]));
        expect(byService["chat-cache"]).to.be.closeTo(0.9, 1e-9);
        expect(byService["sync-monitor"]).to.be.closeTo(0.9, 1e-9);
        expect(byService["prometheus"]).to.equal(1);
        const hit = await waitFor("chatcache:hit:ratio_rate5m", (rs) => rs.length === 1);
        expect(Number(hit[0].value[1])).to.be.closeTo(0.9, 1e-9);
        // performance 0.9, optimisation min(1, 0.9 / 0.3), system 1: 0.4 * 0.9 + 0.2 + 0.4
        const score = await waitFor("platform:health:score", (rs) => rs.length === 1);
        expect(Number(score[0].value[1])).to.be.closeTo(0.96, 1e-9);
        const status = await waitFor("platform:health:status", (rs) => rs.length === 1);
        expect(status[0].value[1]).to.equal("4");
    });

    it("evaluates every rule group without errors", async () => {
        const res = await fetch(`${promUrl}/api/v1/rules`);
        const body = (await res.json()) as {
            data: { groups: { name: string; rules: { health: string; lastError?: string; name: string }[] }[] };
        };
        const groups = body.data.groups;
        expect(groups.map((g) => g.name).sort()).to.deep.equal([
            "sophia-anomaly",
            "sophia-availability",
            "sophia-capacity",
            "sophia-dependencies",
            "sophia-health",
            "sophia-overlay",
        ]);
        const bad = groups.flatMap((g) =>
            g.rules.filter((r) => r.health === "err").map((r) => `${r.name}: ${r.lastError}`),
        );
        expect(bad).to.deep.equal([]);
    });

    /** Polls an instant query until `ok` accepts the result (Prometheus needs a few scrapes for rates). */
    async function waitFor(
        query: string,
        ok: (rs: { metric: Record<string, string>; value: [number, string] }[]) => boolean,
    ) {
        let last: unknown;
        for (let i = 0; i < 300; i++) {
            try {
                const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(query)}`);
                if (res.ok) {
                    const body = (await res.json()) as {
                        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
                    };
                    last = body.data.result;
                    if (ok(body.data.result)) return body.data.result;
                }
            } catch (e) {
                last = e;
            }
            await new Promise((r) => setTimeout(r, 200));
        }
        throw new Error(`${query} never matched; last result: ${JSON.stringify(last)}`);
    }
});
