import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPostgres, freePort, type PostgresServer } from "../../support/postgresServer";
import { startFakeGitHub, type FakeGitHub } from "../../support/fakeGitHub";
import { startFakeEsc, type FakeEsc } from "../../support/fakeEsc";
import { startFakeAlertmanager, type FakeAlertmanager } from "../../support/fakeAlertmanager";
import { renderSyncConfig } from "../../../runtime/sync-monitor/src/syncConfig";

const ROOT = join(__dirname, "../../..");
const MAIN = join(ROOT, "runtime/sync-monitor/src/main.ts");
const GH_TOKEN = "gh-cli-token-0123456789";
const ESC_TOKEN = "pul-cli-token";
const ADMIN = "cli-admin-token-0123456789";

interface Run {
    code: number | null;
    stdout: string;
    stderr: string;
}

function run(
    args: string[],
    env: Record<string, string>,
    opts: { until?: (out: string) => boolean; onReady?: (pid: number) => void } = {},
): Promise<Run> {
    return new Promise((resolve) => {
        const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", MAIN, ...args], {
            cwd: ROOT,
            env: { PATH: process.env.PATH ?? "", TS_NODE_TRANSPILE_ONLY: "true", ...env },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        let fired = false;
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => {
            stderr += d;
            if (!fired && opts.until?.(stderr)) {
                fired = true;
                opts.onReady?.(child.pid!);
            }
        });
        child.on("exit", (code) => resolve({ code, stdout, stderr }));
    });
}

describe("sync-monitor CLI", function () {
    this.timeout(120_000);
    let pg: PostgresServer;
    let gh: FakeGitHub;
    let esc: FakeEsc;
    let am: FakeAlertmanager;
    let env: Record<string, string>;
    before(async () => {
        pg = await startPostgres();
        gh = await startFakeGitHub({ token: GH_TOKEN });
        esc = await startFakeEsc({ token: ESC_TOKEN });
        am = await startFakeAlertmanager();
        gh.addOrg("acme");
        gh.addRepo("acme", "api");
        esc.setEnvironment("sophia/platform/cli", { api: { dbPassword: "cli-db-value" } }, ["api.dbPassword"]);
        const dir = mkdtempSync(join(tmpdir(), "sm-cli-"));
        const file = (n: string, t: string) => {
            writeFileSync(join(dir, n), t);
            return join(dir, n);
        };
        env = {
            SYNC_CONFIG: file(
                "sync.yaml",
                renderSyncConfig({
                    esc: { environment: "sophia/platform/cli" },
                    heal: { enabled: true },
                    thresholds: { clockSkewSeconds: 0 },
                    checkIntervalSeconds: 3600,
                    secrets: [
                        {
                            key: "api.dbPassword",
                            targets: [{ scope: "repo", owner: "acme", repo: "api", name: "SOPHIA_DB_PASSWORD" }],
                        },
                    ],
                }).replace("sophia/platform/cli", "sophia/platform/${STACK}"),
            ), // exercises ${VAR} expansion
            STACK: "cli",
            GITHUB_API_URL: gh.url,
            GITHUB_TOKEN_FILE: file("gh", GH_TOKEN),
            PULUMI_BACKEND_URL: esc.url,
            PULUMI_ACCESS_TOKEN_FILE: file("pul", ESC_TOKEN),
            DATABASE_URL: await pg.createDatabase("cli"),
            SYNC_HMAC_KEY_FILE: file("hmac", "h".repeat(48)),
            SYNC_ADMIN_TOKEN_FILE: file("admin", ADMIN),
            ALERTMANAGER_URL: am.url,
        };
    });
    after(async () => {
        await Promise.all([gh?.close(), esc?.close(), am?.close()]);
        await pg?.stop();
    });

    it("exits 2 with a message naming the variable on bad configuration", async () => {
        const { GITHUB_TOKEN_FILE: _unset, ...withoutToken } = env;
        const r = await run(["--health-check"], withoutToken);
        expect(r.code).to.equal(2);
        expect(r.stderr).to.contain("GITHUB_TOKEN is not set; set GITHUB_TOKEN_FILE");
    });

    it("exits 2 with usage on unknown flags", async () => {
        const r = await run(["--bogus"], env);
        expect(r.code).to.equal(2);
        expect(r.stderr).to.contain("usage: sync-monitor");
    });

    it("walks drift (1) -> dry-run plan -> approve (0) -> in sync (0) -> could not complete (2)", async () => {
        const first = await run(["--health-check"], env);
        expect(first.code, first.stderr).to.equal(1);
        const report = JSON.parse(first.stdout);
        expect(report.status).to.equal("drift");
        expect(report.drift.map((d: { kind: string }) => d.kind)).to.deep.equal(["missing"]);
        expect(report.heals[0].outcome).to.equal("awaiting approval");
        const healId = report.heals[0].id as string;

        const dry = await run(["--dry-run"], env);
        expect(dry.code).to.equal(1);
        expect(JSON.parse(dry.stdout).plan).to.deep.equal([
            {
                action: "put",
                risk: "high",
                kind: "missing",
                scope: "repo",
                target: "acme/api",
                name: "SOPHIA_DB_PASSWORD",
                reason: "first push of a name the ledger does not own",
                wouldRun: "after approval",
            },
        ]);
        expect(gh.names({ scope: "repo", owner: "acme", repo: "api" })).to.deep.equal([]);

        const approve = await run(["--approve", healId], env);
        expect(approve.code, approve.stderr).to.equal(0);
        expect(gh.value({ scope: "repo", owner: "acme", repo: "api" }, "SOPHIA_DB_PASSWORD")).to.equal("cli-db-value");

        const ok = await run(["--health-check"], env);
        expect(ok.code, ok.stderr).to.equal(0);
        expect(JSON.parse(ok.stdout).status).to.equal("in_sync");

        esc.fail({ path: "/versions", status: 503 });
        const broken = await run(["--health-check"], env);
        expect(broken.code).to.equal(2);
        expect(JSON.parse(broken.stdout).status).to.equal("failed");
        for (const out of [first, dry, approve, ok, broken]) {
            expect(out.stdout + out.stderr).not.to.contain("cli-db-value");
            expect(out.stdout + out.stderr).not.to.contain(GH_TOKEN);
        }
    });

    it("--monitor serves HTTP on PORT and exits 0 on SIGTERM", async () => {
        const port = await freePort();
        let probe: Promise<{ healthz: number; health: number; metrics: string }> | undefined;
        const r = await run(
            ["--monitor"],
            { ...env, PORT: String(port) },
            {
                until: (err) => err.includes("check finished"),
                onReady: (pid) => {
                    probe = (async () => {
                        const base = `http://127.0.0.1:${port}`;
                        const healthz = (await fetch(`${base}/healthz`)).status;
                        const health = (await fetch(`${base}/api/v1/secret-sync/health`)).status;
                        const metrics = await (await fetch(`${base}/metrics`)).text();
                        process.kill(pid, "SIGTERM");
                        return { healthz, health, metrics };
                    })();
                },
            },
        );
        expect(r.code, r.stderr).to.equal(0);
        const p = await probe!;
        expect(p.healthz).to.equal(200);
        expect(p.health).to.equal(200);
        expect(p.metrics).to.contain("secretsync_last_successful_check_timestamp_seconds");
        expect(r.stderr).to.contain('"msg":"shutting down"');
    });
});
