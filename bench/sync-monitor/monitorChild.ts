/**
 * The benchmark's monitor process (see largeOrg.ts): the monitor wired as main.ts wires it (read pacing, conditional
 * reads, list cache in Postgres, attestations), driven by "check" messages over IPC. Imports only the service.
 */
import { readFileSync } from "node:fs";
import { Pool } from "pg";
import { Registry } from "prom-client";
import type { SyncConfig } from "../../runtime/sync-monitor/src/syncConfig";
import { createMonitor, type SyncReport } from "../../runtime/sync-monitor/src/monitor";
import { createMetrics } from "../../runtime/sync-monitor/src/metrics";
import { createLogger } from "../../runtime/sync-monitor/src/logger";
import { Redactor } from "../../runtime/sync-monitor/src/redact";
import { ExposureScanner } from "../../runtime/sync-monitor/src/exposure";
import { createEscClient } from "../../runtime/sync-monitor/src/escSource";
import { createOctokit, GitHubSecrets, RequestAccounting } from "../../runtime/sync-monitor/src/github";
import { Ledger } from "../../runtime/sync-monitor/src/ledger";
import { PostgresListCache } from "../../runtime/sync-monitor/src/listCache";
import { ReadPacer } from "../../runtime/sync-monitor/src/readPacer";
import { Alerter } from "../../runtime/sync-monitor/src/alerts";
import { systemClock } from "../../runtime/sync-monitor/src/clock";

const HMAC_TEXT = "bench-hmac-key-bench-hmac-key-bench-hmac-key";
const TOKEN = "bench-token";
const ESC_TOKEN = "pul-bench";

/** What the parent hands the child. */
export interface ChildSetup {
    readonly githubUrl: string;
    readonly escUrl: string;
    readonly databaseUrl: string;
    readonly config: SyncConfig;
    readonly attestationsFile: string;
    readonly readsPerMinute: number;
}

/** One check as the child measured it. */
export interface ChildResult {
    readonly status: SyncReport["status"];
    readonly inSync: number;
    readonly expected: number;
    readonly github?: SyncReport["github"];
    readonly wallMs: number;
    readonly maxRssMb: number;
}

/** The child: the monitor as main.ts wires it, driven by "check" messages. */
export async function child(setup: ChildSetup): Promise<void> {
    const pool = new Pool({ connectionString: setup.databaseUrl, max: 4 });
    const redactor = new Redactor();
    const scanner = new ExposureScanner();
    const logger = createLogger({ redactor, scanner, level: "warn", sink: () => undefined });
    const metrics = createMetrics(new Registry());
    const accounting = new RequestAccounting();
    const octokit = createOctokit({
        baseUrl: setup.githubUrl,
        token: TOKEN,
        metrics,
        accounting,
        pacer: new ReadPacer(setup.readsPerMinute, systemClock),
    });
    const ledger = new Ledger(pool);
    await ledger.migrate();
    const monitor = createMonitor({
        config: setup.config,
        github: new GitHubSecrets(octokit),
        esc: createEscClient(setup.escUrl, ESC_TOKEN),
        ledger,
        alerter: new Alerter({ logger, metrics, redactor, scanner, clock: systemClock, ttlMs: 900_000 }),
        metrics,
        logger,
        redactor,
        scanner,
        hmacKey: Buffer.from(HMAC_TEXT, "utf8"),
        attestationsFile: setup.attestationsFile,
        listCache: new PostgresListCache(pool),
        accounting,
    });
    process.on("message", (m: { cmd: string }) => {
        if (m.cmd === "exit") {
            void pool.end().then(() => process.exit(0));
            return;
        }
        void (async () => {
            const t0 = process.hrtime.bigint();
            const r = await monitor.runCheck();
            const result: ChildResult = {
                status: r.status,
                inSync: r.inSync,
                expected: r.expected,
                github: r.github,
                wallMs: Number(process.hrtime.bigint() - t0) / 1e6,
                maxRssMb: process.resourceUsage().maxRSS / 1024,
            };
            process.send!(result);
        })();
    });
    process.send!({ ready: true });
}

if (process.env.SYNC_BENCH_CHILD)
    void child(JSON.parse(readFileSync(process.env.SYNC_BENCH_CHILD, "utf8")) as ChildSetup);
