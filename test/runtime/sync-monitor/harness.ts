/** Shared wiring for sync-monitor tests: real Postgres database, fake GitHub/ESC/Alertmanager, injected clock. */
import { Pool } from "pg";
import { Registry } from "prom-client";
import { startFakeGitHub, type FakeGitHub } from "../../support/fakeGitHub";
import { startFakeEsc, type FakeEsc } from "../../support/fakeEsc";
import { startFakeAlertmanager, type FakeAlertmanager } from "../../support/fakeAlertmanager";
import { startPostgres, type PostgresServer } from "../../support/postgresServer";
import { parseSyncConfig, type SyncConfig } from "../../../runtime/sync-monitor/src/syncConfig";
import { createMonitor, type Monitor } from "../../../runtime/sync-monitor/src/monitor";
import { createMetrics, type Metrics } from "../../../runtime/sync-monitor/src/metrics";
import { createLogger, type Logger } from "../../../runtime/sync-monitor/src/logger";
import { Redactor } from "../../../runtime/sync-monitor/src/redact";
import { ExposureScanner } from "../../../runtime/sync-monitor/src/exposure";
import { createEscClient } from "../../../runtime/sync-monitor/src/escSource";
import { createOctokit, GitHubSecrets, RequestAccounting } from "../../../runtime/sync-monitor/src/github";
import { PostgresListCache } from "../../../runtime/sync-monitor/src/listCache";
import { Ledger } from "../../../runtime/sync-monitor/src/ledger";
import { Alerter } from "../../../runtime/sync-monitor/src/alerts";
import { WriteBudget } from "../../../runtime/sync-monitor/src/budget";
import type { Clock } from "../../../runtime/sync-monitor/src/clock";

export const GH_TOKEN = "ghp_testtokenvalue0000000000000000000000";
export const ESC_TOKEN = "pul-0123456789abcdef0123456789abcdef01234567";
export const HMAC_KEY = Buffer.from("0123456789abcdef0123456789abcdef-test-key");

/** A clock whose sleeps advance time instantly and are recorded. */
export class TestClock implements Clock {
    readonly sleeps: number[] = [];
    constructor(public t = Date.now()) {}
    now(): number {
        return this.t;
    }
    async sleep(ms: number): Promise<void> {
        this.sleeps.push(ms);
        this.t += ms;
    }
    advance(ms: number): void {
        this.t += ms;
    }
}

let dbSerial = 0;

export interface Harness {
    gh: FakeGitHub;
    esc: FakeEsc;
    am: FakeAlertmanager;
    pool: Pool;
    ledger: Ledger;
    monitor: Monitor;
    metrics: Metrics;
    registry: Registry;
    redactor: Redactor;
    scanner: ExposureScanner;
    logger: Logger;
    logs: string[];
    clock: TestClock;
    config: SyncConfig;
    budget: WriteBudget;
    github: GitHubSecrets;
    accounting: RequestAccounting;
    /** Rebuilds the monitor (same DB and fakes) with another config, e.g. to simulate a restart. */
    rebuild(config?: Record<string, unknown>): Monitor;
    close(): Promise<void>;
}

export interface HarnessOptions {
    /** The mapping file as an object (validated with parseSyncConfig). */
    config: Record<string, unknown>;
    /** ESC values and secret paths of revision 1. */
    values: Record<string, unknown>;
    secrets: string[];
    /** Called with the fake GitHub before the first check (orgs, repos, pre-existing secrets). */
    seed?: (gh: FakeGitHub) => void;
    budget?: { perMinute?: number; perHour?: number; minIntervalMs?: number };
    latencyMs?: number;
    /** Alertmanager URL override; "none" to run without one. */
    alertmanager?: "none";
}

/** Starts fakes, a fresh database on `pg`, and a monitor wired to them. */
export async function startHarness(pg: PostgresServer, o: HarnessOptions): Promise<Harness> {
    const gh = await startFakeGitHub({ token: GH_TOKEN, latencyMs: o.latencyMs });
    const esc = await startFakeEsc({ token: ESC_TOKEN });
    const am = await startFakeAlertmanager();
    o.seed?.(gh);
    let config = parseSyncConfig(o.config);
    esc.setEnvironment(config.esc.environment, o.values, o.secrets);
    const url = await pg.createDatabase(`sm_${process.pid}_${++dbSerial}`);
    const pool = new Pool({ connectionString: url, max: 4 });
    // The server is stopped at the end of each file; an idle client must not turn that into an uncaught error.
    pool.on("error", () => undefined);
    const ledger = new Ledger(pool);
    await ledger.migrate();
    const redactor = new Redactor();
    for (const s of [GH_TOKEN, ESC_TOKEN, HMAC_KEY.toString()]) redactor.register(s);
    const scanner = new ExposureScanner();
    const logs: string[] = [];
    const logger = createLogger({ redactor, scanner, level: "debug", sink: (l) => logs.push(l) });
    const registry = new Registry();
    const metrics = createMetrics(registry);
    const clock = new TestClock();
    const budget = new WriteBudget(
        {
            perMinute: o.budget?.perMinute ?? 60,
            perHour: o.budget?.perHour ?? 400,
            minIntervalMs: o.budget?.minIntervalMs ?? 1000,
        },
        clock,
    );
    const accounting = new RequestAccounting();
    const octokit = createOctokit({
        baseUrl: gh.url,
        token: GH_TOKEN,
        metrics,
        accounting,
        retryAfterBaseMs: 5,
        fallbackSecondaryRetrySeconds: 2,
        serverErrorRetries: 1,
        writeSpacingMs: 0,
        // Write spacing is enforced (and asserted) by the WriteBudget on the test clock instead.
        onLimit: (i) => logger.warn(i, "GitHub rate limit"),
    });
    const github = new GitHubSecrets(octokit);
    const escClient = createEscClient(esc.url, ESC_TOKEN);
    const alerter = new Alerter({
        url: o.alertmanager === "none" ? undefined : am.url,
        logger,
        metrics,
        redactor,
        scanner,
        clock,
        ttlMs: 900_000,
    });
    const build = () =>
        createMonitor({
            config,
            github,
            esc: escClient,
            ledger,
            alerter,
            metrics,
            logger,
            redactor,
            scanner,
            hmacKey: HMAC_KEY,
            clock,
            budget,
            listCache: new PostgresListCache(pool),
            accounting,
        });
    const h: Harness = {
        gh,
        esc,
        am,
        pool,
        ledger,
        metrics,
        registry,
        redactor,
        scanner,
        logger,
        logs,
        clock,
        config,
        budget,
        github,
        accounting,
        monitor: build(),
        rebuild(next) {
            if (next) config = parseSyncConfig(next);
            h.config = config;
            h.monitor = build();
            return h.monitor;
        },
        async close() {
            await h.monitor.stop();
            await pool.end();
            await Promise.all([gh.close(), esc.close(), am.close()]);
        },
    };
    return h;
}

/** A test file's world: one real Postgres for the enclosing `describe`, and a harness per test on it. */
export interface World {
    /** Starts a harness (fresh database, fakes, monitor) on the file's Postgres; the world closes it after the test. */
    start(o: HarnessOptions): Promise<Harness>;
}

/**
 * Registers mocha hooks on the enclosing `describe`: Postgres starts in `before` and stops in `after`, and the
 * harness a test started is closed in `afterEach`. Call it directly inside `describe`.
 */
export function useWorld(): World {
    let pg: PostgresServer | undefined;
    let current: Harness | undefined;
    before(async () => {
        pg = await startPostgres();
    });
    after(async () => {
        await pg?.stop();
    });
    afterEach(async () => {
        const h = current;
        current = undefined;
        await h?.close();
    });
    return {
        async start(o) {
            if (!pg) throw new Error("useWorld: Postgres is not running; start harnesses from tests or hooks");
            current = await startHarness(pg, o);
            return current;
        },
    };
}

/** Approves every pending heal and runs a healing check, so the ledger owns every mapped secret. */
export async function adoptAll(h: Harness): Promise<void> {
    await h.monitor.runCheck({ heal: true });
    for (const heal of await h.monitor.heals()) if (heal.status === "pending") await h.monitor.approve(heal.id);
    await h.monitor.runCheck({ heal: true });
}

/** A small mapping used by most tests: org, repo and environment targets. */
export function baseConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        esc: { environment: "sophia/platform/prod" },
        nameRules: { ownedPattern: "^SOPHIA_" },
        thresholds: { clockSkewSeconds: 0 },
        heal: { enabled: true },
        secrets: [
            { key: "github.npmToken", targets: [{ scope: "org", owner: "acme", visibility: "private" }] },
            {
                key: "api.dbPassword",
                targets: [{ scope: "repo", owner: "acme", repo: "api", name: "SOPHIA_DB_PASSWORD" }],
            },
            {
                key: "api.deployKey",
                targets: [
                    {
                        scope: "environment",
                        owner: "acme",
                        repo: "api",
                        environment: "production",
                        name: "SOPHIA_DEPLOY_KEY",
                    },
                ],
            },
        ],
        ...extra,
    };
}

/** Fake GitHub seed for {@link baseConfig}. */
export function seedAcme(gh: FakeGitHub): void {
    gh.addOrg("acme");
    gh.addRepo("acme", "api", { private: true, environments: ["production"] });
}

export const ORG = { scope: "org" as const, owner: "acme" };
export const REPO = { scope: "repo" as const, owner: "acme", repo: "api" };
export const ENV = { scope: "environment" as const, owner: "acme", repo: "api", environment: "production" };
