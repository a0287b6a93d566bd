/**
 * Benchmark (not a test): one full check of 200 repositories x 30 secrets + 100 org secrets against the fake GitHub
 * with 30 ms added latency, a real Postgres ledger and the fake ESC. Prints API calls, wall time and calls per secret.
 *
 *   npm run bench:sync-monitor [-- --repos 200 --per-repo 30 --org 100 --latency 30 --concurrency 5] [--small-only]
 *
 * Then runs the large-organisation scenario of largeOrg.ts (1,000 repositories; `--large-only` runs only that one).
 */
import { Pool } from "pg";
import { Registry } from "prom-client";
import { startPostgres } from "../../test/support/postgresServer";
import { startFakeGitHub } from "../../test/support/fakeGitHub";
import { startFakeEsc } from "../../test/support/fakeEsc";
import { parseSyncConfig } from "../../runtime/sync-monitor/src/syncConfig";
import { createMonitor } from "../../runtime/sync-monitor/src/monitor";
import { createMetrics } from "../../runtime/sync-monitor/src/metrics";
import { createLogger } from "../../runtime/sync-monitor/src/logger";
import { Redactor } from "../../runtime/sync-monitor/src/redact";
import { ExposureScanner } from "../../runtime/sync-monitor/src/exposure";
import { createEscClient } from "../../runtime/sync-monitor/src/escSource";
import { createOctokit, GitHubSecrets } from "../../runtime/sync-monitor/src/github";
import { Ledger, valueHmac } from "../../runtime/sync-monitor/src/ledger";
import { Alerter } from "../../runtime/sync-monitor/src/alerts";
import { systemClock } from "../../runtime/sync-monitor/src/clock";
import { runLargeOrg } from "./largeOrg";

function arg(name: string, def: number): number {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? Number(process.argv[i + 1]) : def;
}

async function main(): Promise<void> {
    const repos = arg("repos", 200);
    const perRepo = arg("per-repo", 30);
    const orgSecrets = arg("org", 100);
    const latencyMs = arg("latency", 30);
    const concurrency = arg("concurrency", 5);
    const hmacKey = Buffer.from("bench-hmac-key-bench-hmac-key-bench-hmac-key");

    const pg = await startPostgres({ db: "bench" });
    const gh = await startFakeGitHub({ token: "bench-token", latencyMs });
    const esc = await startFakeEsc({ token: "pul-bench" });
    const pool = new Pool({ connectionString: pg.url, max: 4 });
    pool.on("error", () => undefined);
    try {
        // Mapping: 30 repo-scoped keys x 200 repositories, 100 org-scoped keys.
        const repoKeys = Array.from({ length: perRepo }, (_, i) => `repo.k${i}`);
        const orgKeys = Array.from({ length: orgSecrets }, (_, i) => `org.k${i}`);
        const repoNames = Array.from({ length: repos }, (_, i) => `svc-${String(i).padStart(3, "0")}`);
        const config = parseSyncConfig({
            esc: { environment: "sophia/bench/prod" },
            github: { readConcurrency: concurrency },
            thresholds: { clockSkewSeconds: 0 },
            secrets: [
                ...repoKeys.map((key, i) => ({
                    key,
                    targets: repoNames.map((repo) => ({ scope: "repo", owner: "acme", repo, name: `SOPHIA_R_${i}` })),
                })),
                ...orgKeys.map((key, i) => ({
                    key,
                    targets: [{ scope: "org", owner: "acme", visibility: "private", name: `SOPHIA_O_${i}` }],
                })),
            ],
        });
        const values = {
            repo: Object.fromEntries(repoKeys.map((k, i) => [k.split(".")[1], `repo-value-${i}`])),
            org: Object.fromEntries(orgKeys.map((k, i) => [k.split(".")[1], `org-value-${i}`])),
        };
        esc.setEnvironment("sophia/bench/prod", values, [...repoKeys, ...orgKeys]);

        // GitHub and the ledger already agree, as after a first sync: the check must end in_sync.
        gh.addOrg("acme");
        const rows: unknown[][] = [];
        for (let i = 0; i < orgSecrets; i++) {
            gh.setSecret({ scope: "org", owner: "acme" }, `SOPHIA_O_${i}`, `org-value-${i}`, { visibility: "private" });
            rows.push([
                "org",
                "acme",
                `SOPHIA_O_${i}`,
                valueHmac(hmacKey, `org-value-${i}`),
                gh.meta({ scope: "org", owner: "acme" }, `SOPHIA_O_${i}`)!.updated_at,
            ]);
        }
        for (const repo of repoNames) {
            gh.addRepo("acme", repo);
            const ref = { scope: "repo" as const, owner: "acme", repo };
            for (let i = 0; i < perRepo; i++) {
                gh.setSecret(ref, `SOPHIA_R_${i}`, `repo-value-${i}`);
                rows.push([
                    "repo",
                    `acme/${repo}`,
                    `SOPHIA_R_${i}`,
                    valueHmac(hmacKey, `repo-value-${i}`),
                    gh.meta(ref, `SOPHIA_R_${i}`)!.updated_at,
                ]);
            }
        }
        const ledger = new Ledger(pool);
        await ledger.migrate();
        const col = (j: number) => rows.map((r) => r[j]);
        await pool.query(
            `INSERT INTO sync_ledger (scope, target, name, esc_env, esc_revision, value_hmac, pushed_at, gh_updated_at, gh_status)
             SELECT s, t, n, 'sophia/bench/prod', 1, h, now(), u::timestamptz, 201 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS x(s, t, n, h, u)`,
            [col(0), col(1), col(2), col(3), col(4)],
        );

        const redactor = new Redactor();
        const scanner = new ExposureScanner();
        const logger = createLogger({ redactor, scanner, level: "warn", sink: () => undefined });
        const metrics = createMetrics(new Registry());
        const monitor = createMonitor({
            config,
            github: new GitHubSecrets(createOctokit({ baseUrl: gh.url, token: "bench-token", metrics })),
            esc: createEscClient(esc.url, "pul-bench"),
            ledger,
            alerter: new Alerter({ logger, metrics, redactor, scanner, clock: systemClock, ttlMs: 900_000 }),
            metrics,
            logger,
            redactor,
            scanner,
            hmacKey,
        });
        gh.resetCalls();
        esc.calls.splice(0);
        const t0 = process.hrtime.bigint();
        const report = await monitor.runCheck();
        const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;

        const secrets = repos * perRepo + orgSecrets;
        const byRoute = new Map<string, number>();
        for (const c of gh.calls) {
            const route = c.path
                .replace(/^\/repos\/[^/]+\/[^/]+\//, "/repos/{owner}/{repo}/")
                .replace(/^\/orgs\/[^/]+\//, "/orgs/{org}/");
            byRoute.set(`${c.method} ${route}`, (byRoute.get(`${c.method} ${route}`) ?? 0) + 1);
        }
        const targets = repos + 1;
        const minPages = repos * Math.ceil(perRepo / 100) + Math.ceil(orgSecrets / 100);
        const apiCalls = gh.calls.length + esc.calls.length;
        console.log(
            `sync-monitor benchmark: ${repos} repos x ${perRepo} secrets + ${orgSecrets} org secrets = ${secrets} secrets in ${targets} targets`,
        );
        console.log(`  fake GitHub latency ${latencyMs} ms, read concurrency ${concurrency}`);
        console.log(
            `  result: status=${report.status} health=${report.healthPercent}% expected=${report.expected} inSync=${report.inSync}`,
        );
        console.log(`  GitHub calls: ${gh.calls.length} (target list pages needed: ${minPages})`);
        for (const [r, n] of [...byRoute.entries()].sort()) console.log(`    ${n.toString().padStart(5)}  ${r}`);
        console.log(
            `  ESC calls: ${esc.calls.length} (${esc.calls.map((c) => `${c.method} ${c.path.replace(/^\/api\/esc\/environments\/[^/]+\/[^/]+\/[^/]+/, "")}`).join(", ")})`,
        );
        console.log(`  API calls total: ${apiCalls}`);
        console.log(`  calls per secret: ${(apiCalls / secrets).toFixed(4)}`);
        console.log(`  wall time: ${(wallMs / 1000).toFixed(2)} s (target < 5 s)`);
        const hist = await metrics.apiDuration.get();
        const sum = (api: string, suffix: string) =>
            hist.values
                .filter((v) => v.labels.api === api && v.metricName?.endsWith(suffix))
                .reduce((a, v) => a + v.value, 0);
        console.log(
            `  mean request time as seen by the client: GitHub ${((sum("github", "_sum") / sum("github", "_count")) * 1000).toFixed(1)} ms, ESC ${((sum("esc", "_sum") / sum("esc", "_count")) * 1000).toFixed(1)} ms`,
        );
        if (report.status !== "in_sync") process.exitCode = 1;
    } finally {
        await pool.end();
        await Promise.all([gh.close(), esc.close()]);
        await pg.stop();
    }
}

void (async () => {
    // The small scenario first (quick); then the large organisation with the service's read pacing (minutes).
    if (!process.argv.includes("--large-only")) await main();
    if (!process.argv.includes("--small-only")) await runLargeOrg();
})();
