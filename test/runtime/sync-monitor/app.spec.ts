import { expect } from "chai";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { Pool } from "pg";
import { freePort } from "../../support/postgresServer";
import { Ledger } from "../../../runtime/sync-monitor/src/ledger";
import { useWorld, baseConfig, seedAcme, REPO, type Harness } from "./harness";
import { createApp } from "../../../runtime/sync-monitor/src/app";
import { makeGithubToken } from "../../../runtime/sync-monitor/src/exposure";

const ADMIN = "admin-token-for-tests-0123456789";
const B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const rand = (n: number) => Array.from(randomBytes(n), (b) => B62[b % 62]).join("");

async function listen(h: Harness, adminToken: string | null = ADMIN): Promise<{ server: Server; url: string }> {
    const server = createServer(
        createApp({
            monitor: h.monitor,
            registry: h.registry,
            redactor: h.redactor,
            logger: h.logger,
            ledger: h.ledger,
            adminToken: adminToken ?? undefined,
        }),
    );
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe("sync-monitor HTTP API", function () {
    this.timeout(60_000);
    let h: Harness;
    let srv: { server: Server; url: string } | undefined;
    const VALUES = { github: { npmToken: "npm-v1" }, api: { dbPassword: "db-v1", deployKey: "deploy-v1" } };
    const SECRETS = ["github.npmToken", "api.dbPassword", "api.deployKey"];
    // Registered before useWorld's hooks so the HTTP server closes before the harness behind it, as it always did.
    afterEach(async () => {
        if (srv) await new Promise((r) => srv!.server.close(r));
        srv = undefined;
    });
    const world = useWorld();

    it("serves health (503 before the first check), alerts, heals, metrics and healthz", async () => {
        h = await world.start({ config: baseConfig(), values: VALUES, secrets: SECRETS, seed: seedAcme });
        srv = await listen(h);
        const early = await fetch(`${srv.url}/api/v1/secret-sync/health`);
        expect(early.status).to.equal(503);
        expect(await early.json()).to.deep.equal({ error: { message: "No check has finished yet; retry shortly." } });
        await h.monitor.runCheck({ heal: true });
        const health: any = await (await fetch(`${srv.url}/api/v1/secret-sync/health`)).json();
        expect(health.status).to.equal("drift");
        expect(health.counts.missing).to.equal(3);
        const alerts: any = await (await fetch(`${srv.url}/api/v1/secret-sync/alerts`)).json();
        expect(alerts.alerts.map((a: { labels: { alertname: string } }) => a.labels.alertname)).to.include.members([
            "SecretSyncDrift",
            "SecretSyncHealthLow",
        ]);
        const heals: any = await (await fetch(`${srv.url}/api/v1/secret-sync/heals`)).json();
        expect(heals.pending).to.have.length(3);
        expect(heals.done).to.deep.equal([]);
        const metrics = await (await fetch(`${srv.url}/metrics`)).text();
        for (const name of [
            "secretsync_check_duration_seconds",
            "secretsync_api_request_duration_seconds",
            "secretsync_ratelimit_remaining",
            "secretsync_drift",
            "secretsync_sync_health_percent",
            "secretsync_heals_total",
            "secretsync_alert_posts_total",
            "secretsync_last_successful_check_timestamp_seconds",
        ]) {
            expect(metrics).to.contain(`# TYPE ${name}`);
        }
        expect(metrics).to.match(
            /secretsync_api_request_duration_seconds_count\{api="github",route="\/repos\/\{owner\}\/\{repo\}\/actions\/secrets",method="GET",status="200"\} 1/,
        );
        expect(metrics).to.match(
            /secretsync_api_request_duration_seconds_count\{api="esc",route="[^"]+\/open\/\{id\}",method="GET",status="2xx"\} 1/,
        );
        expect(metrics).to.match(/secretsync_ratelimit_remaining\{resource="core"\} \d+/);
        expect(metrics).to.contain('secretsync_drift{kind="missing"} 3');
        expect(metrics).to.contain("secretsync_sync_health_percent 0");
        const hz = await fetch(`${srv.url}/healthz`);
        expect(hz.status).to.equal(200);
    });

    it("approves a pending heal only with the admin bearer token", async () => {
        h = await world.start({ config: baseConfig(), values: VALUES, secrets: SECRETS, seed: seedAcme });
        srv = await listen(h);
        await h.monitor.runCheck({ heal: true });
        const id = (await h.monitor.heals()).find((x) => x.name === "SOPHIA_DB_PASSWORD")!.id;
        const approve = (headers: Record<string, string>, hid = id) =>
            fetch(`${srv!.url}/api/v1/secret-sync/heals/${hid}/approve`, { method: "POST", headers });
        const none = await approve({});
        expect(none.status).to.equal(401);
        expect(await none.json()).to.deep.equal({ error: { message: "Missing bearer token." } });
        expect((await approve({ authorization: "Bearer wrong-token-xxxxxxxxxxxx" })).status).to.equal(403);
        expect(
            (await approve({ authorization: `Bearer ${ADMIN}` }, "00000000-0000-0000-0000-000000000000")).status,
        ).to.equal(404);
        expect((await approve({ authorization: `Bearer ${ADMIN}` }, "not-a-uuid")).status).to.equal(404);
        const ok = await approve({ authorization: `Bearer ${ADMIN}` });
        expect(ok.status).to.equal(200);
        expect(((await ok.json()) as { heal: { status: string } }).heal.status).to.equal("approved");
        expect((await approve({ authorization: `Bearer ${ADMIN}` })).status).to.equal(409);
        await h.monitor.runCheck({ heal: true });
        expect(h.gh.value(REPO, "SOPHIA_DB_PASSWORD")).to.equal("db-v1");
        const heals: any = await (await fetch(`${srv.url}/api/v1/secret-sync/heals`)).json();
        expect(heals.done.map((x: { name: string; outcome: string }) => `${x.name}:${x.outcome}`)).to.deep.equal([
            "SOPHIA_DB_PASSWORD:pushed (HTTP 201)",
        ]);
    });

    it("answers 503 for approvals without a configured admin token, 404/405 for bad routes, and 503 healthz without a DB", async () => {
        h = await world.start({ config: baseConfig(), values: VALUES, secrets: SECRETS, seed: seedAcme });
        srv = await listen(h, null);
        const r = await fetch(`${srv.url}/api/v1/secret-sync/heals/x/approve`, {
            method: "POST",
            headers: { authorization: "Bearer x" },
        });
        expect(r.status).to.equal(503);
        expect((await fetch(`${srv.url}/nope`)).status).to.equal(404);
        const m = await fetch(`${srv.url}/api/v1/secret-sync/health`, { method: "DELETE" });
        expect(m.status).to.equal(405);
        expect(m.headers.get("allow")).to.equal("GET");
        // A ledger whose database is unreachable (nothing listens on the port) makes /healthz fail.
        const deadPool = new Pool({
            host: "127.0.0.1",
            port: await freePort(),
            user: "x",
            database: "x",
            connectionTimeoutMillis: 2000,
        });
        deadPool.on("error", () => undefined);
        const dead = createServer(
            createApp({
                monitor: h.monitor,
                registry: h.registry,
                redactor: h.redactor,
                logger: h.logger,
                ledger: new Ledger(deadPool),
            }),
        );
        await new Promise<void>((r) => dead.listen(0, "127.0.0.1", () => r()));
        const hz = await fetch(`http://127.0.0.1:${(dead.address() as AddressInfo).port}/healthz`);
        await new Promise((r) => dead.close(r));
        await deadPool.end();
        expect(hz.status).to.equal(503);
        expect(await hz.json()).to.deep.equal({ error: { message: "Database connection is not available." } });
    });

    it("canary: no seeded secret value appears in any log line, alert, metric, report or HTTP response", async () => {
        const canaries = {
            npm: `canary-npm-${rand(24)}`,
            db: `canary-db-${rand(24)}`,
            deploy: makeGithubToken("ghp", rand(30)), // also credential-shaped: must be redacted, not just scanned
            unmapped: `canary-unmapped-${rand(24)}`,
            multiline: `-----BEGIN OPENSSH PRIVATE KEY-----\ncanary${rand(60)}\n-----END OPENSSH PRIVATE KEY-----`,
        };
        const leakedPlain = makeGithubToken("ghp", rand(30)); // a token stored in ESC *without* fn::secret
        const values = {
            github: { npmToken: canaries.npm },
            api: {
                dbPassword: canaries.db,
                deployKey: canaries.deploy,
                unmapped: canaries.unmapped,
                sshKey: canaries.multiline,
            },
            notes: { plain: `deploy with ${leakedPlain}` },
        };
        const secrets = ["github.npmToken", "api.dbPassword", "api.deployKey", "api.unmapped", "api.sshKey"];
        const cfg = baseConfig({
            secrets: [
                ...(baseConfig().secrets as unknown[]),
                { key: "api.sshKey", targets: [{ scope: "repo", owner: "acme", repo: "api", name: "SOPHIA_SSH_KEY" }] },
            ],
        });
        h = await world.start({ config: cfg, values, secrets, seed: seedAcme });
        srv = await listen(h);
        const bodies: string[] = [];
        const get = async (path: string) => bodies.push(await (await fetch(`${srv!.url}${path}`)).text());

        await h.monitor.runCheck({ heal: true });
        for (const heal of await h.monitor.heals()) {
            const r = await fetch(`${srv.url}/api/v1/secret-sync/heals/${heal.id}/approve`, {
                method: "POST",
                headers: { authorization: `Bearer ${ADMIN}` },
            });
            bodies.push(await r.text());
        }
        await h.monitor.runCheck({ heal: true });
        expect(h.gh.value(REPO, "SOPHIA_SSH_KEY")).to.equal(canaries.multiline);
        // Upstream errors that echo values (as some APIs do) must be scrubbed before logs, reports and alerts.
        h.gh.fail({
            method: "GET",
            path: /^\/repos\/acme\/api\/actions\/secrets$/,
            status: 500,
            times: 10,
            body: { message: `internal error near ${canaries.unmapped} and ${canaries.db}` },
        });
        h.esc.setEnvironment(
            "sophia/platform/prod",
            { ...values, github: { npmToken: `${canaries.npm}-rotated` } },
            secrets,
        );
        const reports = [
            await h.monitor.runCheck({ heal: true }),
            await h.monitor.runCheck({ dryRun: true }),
            await h.monitor.runCheck({ heal: true }),
            await h.monitor.runCheck(),
        ];
        h.logger.info(
            { echo: canaries.db, nested: { b64: Buffer.from(canaries.npm).toString("base64") } },
            `debug ${encodeURIComponent(canaries.deploy)}`,
        );
        await get("/api/v1/secret-sync/health");
        await get("/api/v1/secret-sync/alerts");
        await get("/api/v1/secret-sync/heals");
        await get("/metrics");
        const { rows } = await h.pool.query("SELECT report::text AS r FROM sync_checks");

        const haystacks: [string, string][] = [
            ...h.logs.map((l): [string, string] => ["log", l]),
            ...bodies.map((b): [string, string] => ["http", b]),
            ...reports.map((r): [string, string] => ["report", JSON.stringify(r)]),
            ["alertmanager", JSON.stringify(h.am.posted)],
            ["alerts", JSON.stringify(h.monitor.alerts())],
            ["metrics", await h.registry.metrics()],
            ...rows.map((r): [string, string] => ["history", r.r as string]),
        ];
        const allValues = [...Object.values(canaries), `${canaries.npm}-rotated`, leakedPlain];
        for (const v of allValues) {
            const forms = [
                v,
                Buffer.from(v).toString("base64"),
                encodeURIComponent(v),
                ...v.split("\n").filter((l) => l.length > 8),
            ];
            for (const [where, text] of haystacks) {
                for (const f of forms) {
                    if (text.includes(f)) expect.fail(`a canary form leaked into ${where}`);
                }
            }
        }
        // The scrubbed upstream error is still informative.
        expect(reports[0].incompleteTargets[0].reason).to.contain("HTTP 500").and.contain("[REDACTED]");
        // The plain ESC token is an exposure: critical alert naming the rule and the key, never the match.
        const exposure = h.am.posted.find(
            (a) => a.labels.alertname === "SecretExposure" && a.labels.target === "esc:notes.plain",
        );
        expect(exposure?.labels).to.include({ severity: "critical", rule: "github-pat", drift: "exposure" });
        // The log line carrying the secret-marked token was redacted, not flagged as an exposure.
        expect(h.monitor.lastReport()!.exposures.filter((e) => e.source === "log")).to.deep.equal([]);
        expect(h.logs.some((l) => l.includes("[REDACTED]"))).to.equal(true);
    });
});
