import { expect } from "chai";
import { buildDashboards } from "../../../components/monitoring/grafana/dashboards";
import { Dashboard, DATASOURCE_UID, Panel } from "../../../components/monitoring/grafana/model";
import {
    datasourceProvisioning,
    dashboardProvisioning,
    DASHBOARDS_DIR,
} from "../../../components/monitoring/grafana/provisioning";
import { runTool, tempDir, writeYamlFiles } from "./tools";

const dashboards = buildDashboards();
const provisioned = datasourceProvisioning("http://prometheus:9090").datasources;

function allPanels(d: Dashboard): Panel[] {
    return d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

/** Grafana variables replaced by values Prometheus accepts, so the queries can be checked by promtool. */
function concrete(expr: string): string {
    return expr.replace(/\$__rate_interval/g, "1m").replace(/\$service|\$swarm_service|\$network/g, ".*");
}

describe("Grafana dashboards", function () {
    this.timeout(60000);

    it("are the five dashboards the platform needs, with unique uids", () => {
        expect(Object.keys(dashboards).sort()).to.deep.equal([
            "sophia-chat-cache.json",
            "sophia-golden-signals.json",
            "sophia-overlay.json",
            "sophia-platform-health.json",
            "sophia-secret-sync.json",
        ]);
        const uids = Object.values(dashboards).map((d) => d.uid);
        expect(new Set(uids).size).to.equal(uids.length);
    });

    it("round-trip as JSON with panels, ids and a 24-column layout", () => {
        for (const [file, d] of Object.entries(dashboards)) {
            const parsed = JSON.parse(JSON.stringify(d)) as Dashboard;
            expect(parsed, file).to.deep.equal(d);
            const panels = allPanels(parsed);
            expect(panels.length, file).to.be.greaterThan(5);
            expect(new Set(panels.map((p) => p.id)).size, `${file} ids`).to.equal(panels.length);
            for (const p of panels) {
                expect(p.gridPos.x + p.gridPos.w, `${file} ${p.title}`).to.be.at.most(24);
                expect(p.title, file).to.be.a("string").and.not.equal("");
            }
        }
    });

    it("resolve every panel, query and variable datasource to the provisioned Prometheus uid", () => {
        expect(provisioned.map((d) => d.uid)).to.deep.equal([DATASOURCE_UID]);
        const uids = new Set(provisioned.map((d) => d.uid));
        for (const [file, d] of Object.entries(dashboards)) {
            for (const p of allPanels(d).filter((x) => x.type !== "row")) {
                expect(uids.has(p.datasource?.uid ?? ""), `${file} panel ${p.title}`).to.equal(true);
                expect(p.targets?.length, `${file} panel ${p.title} has no query`).to.be.greaterThan(0);
                for (const t of p.targets ?? []) {
                    expect(uids.has(t.datasource.uid), `${file} ${p.title} ${t.refId}`).to.equal(true);
                }
            }
            for (const v of d.templating.list) {
                expect(uids.has(v.datasource.uid), `${file} variable ${v.name}`).to.equal(true);
            }
        }
    });

    it("only use template variables they define", () => {
        for (const [file, d] of Object.entries(dashboards)) {
            const defined = new Set(["__rate_interval", ...d.templating.list.map((v) => v.name)]);
            const exprs = allPanels(d).flatMap((p) => (p.targets ?? []).map((t) => t.expr));
            for (const e of exprs) {
                for (const m of e.matchAll(/\$([a-zA-Z_]+)/g)) {
                    expect(defined.has(m[1]), `${file}: $${m[1]} in ${e}`).to.equal(true);
                }
            }
        }
    });

    it("contain only PromQL that Prometheus parses (promtool check rules)", () => {
        const exprs = Object.values(dashboards).flatMap((d) =>
            allPanels(d).flatMap((p) => (p.targets ?? []).map((t) => concrete(t.expr))),
        );
        const tmp = tempDir("sophia-dash-");
        try {
            writeYamlFiles(tmp.dir, {
                "queries.yml": {
                    groups: [
                        {
                            name: "dashboards",
                            rules: exprs.map((expr, i) => ({ record: `dashboard:query_${i}:check`, expr })),
                        },
                    ],
                },
            });
            const r = runTool("promtool", ["check", "rules", "--lint-fatal", "queries.yml"], tmp.dir);
            expect(r.status, r.output).to.equal(0);
        } finally {
            tmp.remove();
        }
    });

    it("show the platform score, its three weighted parts and the status bands", () => {
        const exprs = allPanels(dashboards["sophia-platform-health.json"]).flatMap((p) =>
            (p.targets ?? []).map((t) => t.expr),
        );
        for (const r of [
            "platform:health:score",
            "platform:health:status",
            "platform:performance:score",
            "platform:optimisation:score",
            "platform:system:score",
            "service:health:ratio",
        ]) {
            expect(exprs, r).to.include(r);
        }
        const status = allPanels(dashboards["sophia-platform-health.json"]).find((p) => p.title === "Status")!;
        const mapping = status.fieldConfig!.defaults.mappings![0].options;
        expect(Object.fromEntries(Object.entries(mapping).map(([k, v]) => [k, v.text]))).to.deep.equal({
            "4": "excellent",
            "3": "good",
            "2": "fair",
            "1": "poor",
            "0": "critical",
        });
    });

    it("show the overlay path matrix per network: src rows × dst columns, one copy per network", () => {
        const d = dashboards["sophia-overlay.json"];
        const matrix = allPanels(d).find((p) => p.type === "table")!;
        expect(matrix.repeat).to.equal("network");
        expect(d.templating.list.map((v) => [v.name, v.definition])).to.deep.equal([
            ["network", "label_values(overlayprobe_success, network)"],
        ]);
        expect(matrix.targets![0]).to.include({ instant: true, format: "table" });
        expect(matrix.targets![0].expr).to.contain('overlayprobe_success{network=~"$network",size="small"}');
        expect(matrix.transformations).to.deep.equal([
            {
                id: "groupingToMatrix",
                options: { rowField: "src", columnField: "dst", valueField: "Value", emptyValue: "null" },
            },
        ]);
        const states = matrix.fieldConfig!.defaults.mappings![0].options;
        expect(Object.fromEntries(Object.entries(states).map(([k, v]) => [k, v.text]))).to.deep.equal({
            "3": "ok",
            "2": "MTU black hole",
            "1": "small fails",
            "0": "down",
        });
    });

    it("provision read-only dashboards from the mounted directory", () => {
        const p = dashboardProvisioning().providers[0];
        expect(p.options.path).to.equal(DASHBOARDS_DIR);
        expect(p.allowUiUpdates).to.equal(false);
        expect(provisioned[0]).to.include({
            type: "prometheus",
            url: "http://prometheus:9090",
            isDefault: true,
            access: "proxy",
        });
    });
});
