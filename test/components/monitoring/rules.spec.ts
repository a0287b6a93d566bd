import { expect } from "chai";
import { allAlerts, buildRuleFiles, resolveRuleOptions } from "../../../components/monitoring/rules";
import { isAlertingRule, RecordingRule } from "../../../components/monitoring/types";
import { promtoolExprTest, promtoolTest, renderAnnotation } from "./promtoolHarness";
import { ALERT_CASES, platformScenario } from "./ruleCases";
import { runTool, tempDir, writeYamlFiles } from "./tools";

const opts = resolveRuleOptions({ expectedServices: ["chat-cache", "sync-monitor"] });
const files = buildRuleFiles(opts);
const alerts = allAlerts(files);
const records: RecordingRule[] = Object.values(files).flatMap((f) =>
    f.groups.flatMap((g) => g.rules.filter((r): r is RecordingRule => !isAlertingRule(r))),
);

describe("monitoring rules", function () {
    this.timeout(120000);
    let tmp: { dir: string; remove: () => void };

    before(() => {
        tmp = tempDir("sophia-rules-");
        writeYamlFiles(tmp.dir, files);
    });
    after(() => tmp.remove());

    it("pass `promtool check rules`", () => {
        const r = runTool("promtool", ["check", "rules", "--lint-fatal", ...Object.keys(files)], tmp.dir);
        expect(r.status, r.output).to.equal(0);
        expect(r.output).to.match(/SUCCESS: \d+ rules found/);
    });

    it("give every alert a summary, description, recommendation and runbook link", () => {
        for (const a of alerts) {
            for (const key of ["summary", "description", "recommendation", "runbook_url"] as const) {
                expect(a.annotations[key], `${a.alert}.${key}`).to.be.a("string").and.have.length.greaterThan(10);
            }
            expect(a.annotations.runbook_url).to.equal(`docs/monitoring.md#${a.alert.toLowerCase()}`);
            expect(["warning", "critical", "info"]).to.include(a.labels.severity);
            // Only label templates: anything else could print a secret-bearing value or fail to render.
            const templates =
                Object.values(a.annotations)
                    .join(" ")
                    .match(/\{\{[^}]*\}\}/g) ?? [];
            for (const t of templates) {
                expect(t, a.alert).to.match(/^\{\{ \$labels\.[a-z_]+ \}\}$/);
            }
        }
    });

    it("have a firing and a quiet unit test for every alert", () => {
        for (const a of alerts) {
            const cases = ALERT_CASES.filter((c) => c.alert === a.alert);
            expect(
                cases.some((c) => c.fires.length > 0),
                `${a.alert} has no firing case`,
            ).to.equal(true);
            expect(
                cases.some((c) => c.fires.length === 0),
                `${a.alert} has no quiet case`,
            ).to.equal(true);
        }
        const unknown = ALERT_CASES.filter((c) => !alerts.some((a) => a.alert === c.alert)).map((c) => c.alert);
        expect(unknown, "cases for alerts that do not exist").to.deep.equal([]);
    });

    it("check every recording rule in a unit test", () => {
        const exprs = [...ALERT_CASES.flatMap((c) => c.checks ?? []), ...platformScenario().checks].map((c) => c.expr);
        for (const r of records) {
            expect(
                exprs.some((e) =>
                    new RegExp(`(^|[^a-z_:])${r.record.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}($|[^a-z0-9_:])`).test(e),
                ),
                `${r.record} is never checked`,
            ).to.equal(true);
        }
    });

    it("compute the unified health and platform score (promtool test rules)", () => {
        const { series, checks } = platformScenario();
        writeYamlFiles(tmp.dir, {
            "platform.test.yml": {
                rule_files: Object.keys(files),
                evaluation_interval: "1m",
                tests: [promtoolExprTest(series, checks)],
            },
        });
        const r = runTool("promtool", ["test", "rules", "platform.test.yml"], tmp.dir);
        expect(r.status, r.output).to.equal(0);
    });

    for (const alert of [...new Set(ALERT_CASES.map((c) => c.alert))]) {
        it(`${alert}: fires when it should and stays quiet when it should not (promtool test rules)`, () => {
            const rule = alerts.find((a) => a.alert === alert);
            expect(rule, `${alert} is not generated`).to.not.equal(undefined);
            const cases = ALERT_CASES.filter((c) => c.alert === alert);
            const file = `${alert}.test.yml`;
            writeYamlFiles(tmp.dir, {
                [file]: {
                    rule_files: Object.keys(files),
                    evaluation_interval: "1m",
                    tests: cases.map((c) => promtoolTest(c, rule!)),
                },
            });
            const r = runTool("promtool", ["test", "rules", file], tmp.dir);
            expect(r.status, `${cases.map((c) => c.name).join("; ")}\n${r.output}`).to.equal(0);
        });
    }

    it("renders label templates the way the harness expects", () => {
        expect(renderAnnotation("{{ $labels.service }} on {{ $labels.node }}", { service: "redis" })).to.equal(
            "redis on ",
        );
    });
});
