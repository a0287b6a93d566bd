import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { allAlerts, buildRuleFiles, resolveRuleOptions } from "../../../components/monitoring/rules";
import { SYNC_MONITOR_PUSHED_ALERTS } from "../../../components/monitoring/names";
import { renderRunbook } from "../../../components/monitoring/runbook";

const DOC = path.join(__dirname, "..", "..", "..", "docs", "monitoring.md");

describe("monitoring runbook (docs/monitoring.md)", () => {
    const doc = fs.readFileSync(DOC, "utf8");

    it("is up to date with the rules (regenerate with `npx ts-node --transpile-only scripts/monitoring.ts runbook`)", () => {
        expect(doc).to.equal(renderRunbook());
    });

    it("has a section saying what it means and what to do for every alert, including those the sync-monitor posts", () => {
        const names = [
            ...allAlerts(buildRuleFiles(resolveRuleOptions({ expectedServices: ["x"] }))).map((a) => a.alert),
            ...SYNC_MONITOR_PUSHED_ALERTS,
        ];
        const sections = doc.split(/^### /m).slice(1);
        for (const n of names) {
            const section = sections.find((s) => s.startsWith(`${n}\n`));
            expect(section, `no section for ${n}`).to.not.equal(undefined);
            expect(section).to.contain("*What it means.*").and.contain("*What to do.*");
        }
    });
});
