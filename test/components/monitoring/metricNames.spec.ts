import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { Registry } from "prom-client";
import {
    CHAT_CACHE,
    CHAT_CACHE_ERROR_RESULT,
    CHAT_CACHE_HIT_RESULTS,
    SYNC_MONITOR,
} from "../../../components/monitoring/names";
import { createMetrics as createChatCacheMetrics } from "../../../runtime/chat-cache/src/metrics";
import { createMetrics as createSyncMonitorMetrics } from "../../../runtime/sync-monitor/src/metrics";

/** Metric name -> label names, as the service registers them. */
async function registered(registry: Registry): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const m of await registry.getMetricsAsJSON()) {
        const metric = registry.getSingleMetric(m.name) as unknown as { labelNames?: string[] };
        out.set(m.name, metric.labelNames ?? []);
    }
    return out;
}

/** Strips the `_total`/`_count`/`_bucket` a query adds to a registered name. */
function base(name: string): string[] {
    return [name, name.replace(/_total$/, ""), name.replace(/_(count|bucket|sum)$/, "")];
}

describe("metric names the rules and dashboards use", () => {
    it("exist in the chat-cache's registry with the labels the rules match on", async () => {
        const names = await registered(createChatCacheMetrics(new Registry()).registry);
        for (const [key, name] of Object.entries(CHAT_CACHE)) {
            expect(
                base(name).some((n) => names.has(n)),
                `CHAT_CACHE.${key} = ${name}; registered: ${[...names.keys()].join(", ")}`,
            ).to.equal(true);
        }
        expect(names.get(CHAT_CACHE.requests.replace(/_total$/, "")) ?? names.get(CHAT_CACHE.requests)).to.include(
            "result",
        );
        expect(names.get(CHAT_CACHE.rejections.replace(/_total$/, "")) ?? names.get(CHAT_CACHE.rejections)).to.include(
            "reason",
        );
    });

    it("exist in the sync-monitor's registry with the labels the rules match on", async () => {
        const names = await registered(createSyncMonitorMetrics(new Registry()).registry);
        for (const [key, name] of Object.entries(SYNC_MONITOR)) {
            expect(
                base(name).some((n) => names.has(n)),
                `SYNC_MONITOR.${key} = ${name}; registered: ${[...names.keys()].join(", ")}`,
            ).to.equal(true);
        }
        expect(names.get(SYNC_MONITOR.apiDuration)).to.include.members(["api", "status"]);
        expect(names.get(SYNC_MONITOR.rateLimitRemaining)).to.include("resource");
        expect(names.get(SYNC_MONITOR.drift)).to.include("kind");
    });

    it("are request results the chat-cache actually counts", () => {
        // The completions pipeline counts "hit", "stale", "error" literally and the other statuses as status.toLowerCase().
        const src = path.join(__dirname, "../../../runtime/chat-cache/src");
        const app = ["app.ts", "pipeline.ts"].map((f) => fs.readFileSync(path.join(src, f), "utf8")).join("\n");
        for (const result of [...CHAT_CACHE_HIT_RESULTS, CHAT_CACHE_ERROR_RESULT, "miss", "bypass"]) {
            expect(app.includes(`count("${result}"`) || app.includes(`"${result.toUpperCase()}"`), result).to.equal(
                true,
            );
        }
    });
});
