/**
 * Benchmark scenario (not a test): 1,000 repositories x 30 secrets + 100 org secrets, fake GitHub with 30 ms latency,
 * a real Postgres, the fake ESC, and the secrets Pulumi wrote described by an attestation file (imported by the first
 * check). The monitor runs in its own child process with the service's defaults (read pacing, conditional reads,
 * list cache in Postgres) so its peak RSS is its own. Three checks: first (cold), steady state, after one secret
 * changed. Prints requests, primary rate-limit points, the busiest minute, wall time and the child's peak RSS.
 *
 *   npm run bench:sync-monitor -- --large-only [--repos 1000 --per-repo 30 --org 100 --latency 30 --reads-per-minute 600]
 */
import { execFileSync, fork, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { startPostgres } from "../../test/support/postgresServer";
import { startFakeGitHub, type Call } from "../../test/support/fakeGitHub";
import { startFakeEsc } from "../../test/support/fakeEsc";
import { parseSyncConfig } from "../../runtime/sync-monitor/src/syncConfig";
import type { ChildResult, ChildSetup } from "./monitorChild";
import { attestationHmac } from "../../runtime/sync-monitor/src/attestations";

const HMAC_TEXT = "bench-hmac-key-bench-hmac-key-bench-hmac-key";
const TOKEN = "bench-token";
const ESC_TOKEN = "pul-bench";
// Before the run: no timestamp ends up in the future however many secrets are seeded.
const SEEDED_AT = new Date(Date.now() - 86_400_000).toISOString().replace(/\.\d{3}Z$/, "Z");

/**
 * Compiles the child with tsc into a temp dir: the service runs compiled JavaScript, and ts-node's compiler in the
 * process would add ~100 MB to the RSS being measured.
 */
function compileChild(outDir: string): string {
    const root = join(__dirname, "..", "..");
    execFileSync(
        join(root, "node_modules", ".bin", "tsc"),
        [
            "--outDir",
            outDir,
            "--rootDir",
            root,
            "--module",
            "commonjs",
            "--target",
            "es2022",
            "--esModuleInterop",
            "--skipLibCheck",
            "--strict",
            join(__dirname, "monitorChild.ts"),
        ],
        { stdio: "inherit" },
    );
    return join(outDir, "bench", "sync-monitor", "monitorChild.js");
}

function arg(name: string, def: number): number {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? Number(process.argv[i + 1]) : def;
}

/** Most requests that started in any 60-second window. */
function busiestMinute(calls: readonly Call[]): number {
    const at = calls.map((c) => c.at).sort((a, b) => a - b);
    let best = 0;
    for (let i = 0, j = 0; i < at.length; i++) {
        while (at[i] - at[j] >= 60_000) j++;
        best = Math.max(best, i - j + 1);
    }
    return best;
}

/** Runs the scenario and prints its table. */
export async function runLargeOrg(): Promise<void> {
    const repos = arg("repos", 1000);
    const perRepo = arg("per-repo", 30);
    const orgSecrets = arg("org", 100);
    const latencyMs = arg("latency", 30);
    const readsPerMinute = arg("reads-per-minute", 600);
    const pg = await startPostgres({ db: "bench_large" });
    const gh = await startFakeGitHub({ token: TOKEN, latencyMs, rateLimit: 1_000_000 });
    const esc = await startFakeEsc({ token: ESC_TOKEN });
    const dir = mkdtempSync(join(tmpdir(), "sync-bench-"));
    let proc: ChildProcess | undefined;
    try {
        const repoKeys = Array.from({ length: perRepo }, (_, i) => `repo.k${i}`);
        const orgKeys = Array.from({ length: orgSecrets }, (_, i) => `org.k${i}`);
        const repoNames = Array.from({ length: repos }, (_, i) => `svc-${String(i).padStart(4, "0")}`);
        const config = parseSyncConfig({
            esc: { environment: "sophia/bench/prod" },
            github: { readsPerMinute },
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
        esc.setEnvironment(
            "sophia/bench/prod",
            {
                repo: Object.fromEntries(repoKeys.map((k, i) => [k.split(".")[1], `repo-value-${i}`])),
                org: Object.fromEntries(orgKeys.map((k, i) => [k.split(".")[1], `org-value-${i}`])),
            },
            [...repoKeys, ...orgKeys],
        );
        // Pulumi wrote every secret and attested it: the first check imports 30,100 attestations.
        gh.addOrg("acme");
        const entries: unknown[] = [];
        const org = { scope: "org" as const, owner: "acme" };
        for (let i = 0; i < orgSecrets; i++) {
            gh.setSecret(org, `SOPHIA_O_${i}`, `org-value-${i}`, { visibility: "private", at: SEEDED_AT });
            entries.push({
                scope: "org",
                target: "acme",
                name: `SOPHIA_O_${i}`,
                valueHmac: attestationHmac(HMAC_TEXT, `org-value-${i}`),
                updatedAt: gh.meta(org, `SOPHIA_O_${i}`)!.updated_at,
            });
        }
        for (const repo of repoNames) {
            gh.addRepo("acme", repo);
            const ref = { scope: "repo" as const, owner: "acme", repo };
            for (let i = 0; i < perRepo; i++) {
                gh.setSecret(ref, `SOPHIA_R_${i}`, `repo-value-${i}`, { at: SEEDED_AT });
                entries.push({
                    scope: "repo",
                    target: `acme/${repo}`,
                    name: `SOPHIA_R_${i}`,
                    valueHmac: attestationHmac(HMAC_TEXT, `repo-value-${i}`),
                    updatedAt: gh.meta(ref, `SOPHIA_R_${i}`)!.updated_at,
                });
            }
        }
        const attestationsFile = join(dir, "attestations.json");
        writeFileSync(
            attestationsFile,
            JSON.stringify({ version: 1, writer: "pulumi", escEnvironment: "sophia/bench/prod", entries }),
        );

        const setup: ChildSetup = {
            githubUrl: gh.url,
            escUrl: esc.url,
            databaseUrl: pg.url,
            config,
            attestationsFile,
            readsPerMinute,
        };
        const childJs = compileChild(join(dir, "build"));
        const setupFile = join(dir, "setup.json");
        writeFileSync(setupFile, JSON.stringify(setup));
        const p = fork(childJs, [], {
            env: {
                ...process.env,
                // The mapping of 1,000 repositories is too large for an environment variable: pass a file.
                SYNC_BENCH_CHILD: setupFile,
                NODE_PATH: join(__dirname, "..", "..", "node_modules"),
            },
            stdio: ["ignore", "inherit", "inherit", "ipc"],
        });
        proc = p;
        const next = () =>
            new Promise<ChildResult & { ready?: boolean }>((resolve, reject) => {
                p.once("message", (m) => resolve(m as ChildResult));
                p.once("exit", (code) => reject(new Error(`benchmark child exited with ${code}`)));
            });
        await next(); // ready
        const check = async (label: string) => {
            gh.resetCalls();
            const load = loadavg()[0];
            p.send({ cmd: "check" });
            const r = await next();
            const wallS = r.wallMs / 1000;
            return {
                label,
                status: `${r.status} ${r.inSync}/${r.expected}`,
                requests: gh.calls.length,
                points: r.github?.rateLimitPoints ?? NaN,
                notModified: r.github?.notModified ?? NaN,
                busiestMinute: busiestMinute(gh.calls),
                perMinute: (gh.calls.length / wallS) * 60,
                wallS,
                rssMb: r.maxRssMb,
                load,
            };
        };
        const rows = [await check(`first check (cold, ${entries.length} attestations imported)`)];
        rows.push(await check("steady state"));
        gh.setSecret({ scope: "repo", owner: "acme", repo: repoNames[repos >> 1] }, "SOPHIA_R_7", "changed by hand");
        rows.push(await check("after one secret changed"));
        p.send({ cmd: "exit" });

        const targets = repos + 1;
        console.log(
            `\nsync-monitor large organisation: ${repos} repos x ${perRepo} + ${orgSecrets} org secrets = ${repos * perRepo + orgSecrets} secrets in ${targets} targets`,
        );
        console.log(
            `  fake GitHub latency ${latencyMs} ms, readsPerMinute ${readsPerMinute}, read concurrency ${config.github.readConcurrency}, safety net every ${config.github.fullReadMinutes} min`,
        );
        console.log(
            "  | check | result | requests | primary points | 304s | busiest minute | requests/min | wall time | peak RSS (monitor) | load avg |",
        );
        console.log("  |---|---|---|---|---|---|---|---|---|---|");
        for (const r of rows)
            console.log(
                `  | ${r.label} | ${r.status} | ${r.requests} | ${r.points} | ${r.notModified} | ${r.busiestMinute} | ${r.perMinute.toFixed(0)} | ${r.wallS.toFixed(1)} s | ${r.rssMb.toFixed(0)} MB | ${r.load.toFixed(2)} |`,
            );
        const checksPerHour = 3600 / config.checkIntervalSeconds;
        const steady = rows[1].points;
        const full = rows[0].points;
        const fullPerHour = 60 / config.github.fullReadMinutes;
        const hourly = fullPerHour * full + (checksPerHour - fullPerHour) * steady;
        console.log(
            `  hourly primary cost at checkIntervalSeconds ${config.checkIntervalSeconds}: ${fullPerHour} safety-net check(s) x ${full} + ${checksPerHour - fullPerHour} steady x ${steady} = ${hourly.toFixed(0)} points = ${((hourly / 5000) * 100).toFixed(1)}% of 5,000/h (target <= 10%)`,
        );
        const minFullMinutes = Math.ceil((60 * full) / Math.max(1, 500 - checksPerHour * steady));
        console.log(`  fullReadMinutes needed for <= 10% of 5,000/h: ${minFullMinutes}`);
        console.log(
            `  targets: steady <= 10 points (${steady <= 10 ? "met" : "NOT met"}); one change <= 10 + its pages (${rows[2].points <= 11 ? "met" : "NOT met"}); busiest minute <= 900 (${Math.max(...rows.map((r) => r.busiestMinute)) <= 900 ? "met" : "NOT met"}); every check < 300 s (${rows.every((r) => r.wallS < 300) ? "met" : "NOT met"}); peak RSS < 250 MB (${Math.max(...rows.map((r) => r.rssMb)) < 250 ? "met" : "NOT met"}); secondary-limit refusals ${gh.secondaryLimited()}`,
        );
    } finally {
        proc?.kill();
        await Promise.all([gh.close(), esc.close()]);
        await pg.stop();
        rmSync(dir, { recursive: true, force: true });
    }
}
