/**
 * Composition root: the only file that reads configuration, creates clients, listens and handles signals.
 *
 *   --health-check   one check, JSON report on stdout; exit 0 in sync, 1 drift, 2 could not complete
 *   --dry-run        like --health-check, plus the heal plan; writes nothing
 *   --approve <id>   approve a pending high-risk heal, then run a healing check
 *   --monitor        check every checkIntervalSeconds and serve HTTP on PORT (default 9091)
 */
import { createServer } from "node:http";
import { Pool } from "pg";
import { Registry } from "prom-client";
import { loadConfig } from "./config";
import { createApp } from "./app";
import { createMonitor, type SyncReport } from "./monitor";
import { createMetrics } from "./metrics";
import { createLogger } from "./logger";
import { Redactor, scrubError } from "./redact";
import { ExposureScanner } from "./exposure";
import { createEscClient } from "./escSource";
import { createOctokit, GitHubSecrets, RequestAccounting } from "./github";
import { PostgresListCache } from "./listCache";
import { InstallationTokenSource } from "./githubAppAuth";
import { ReadPacer } from "./readPacer";
import { Ledger } from "./ledger";
import { Alerter } from "./alerts";
import { systemClock } from "./clock";

type Mode = { kind: "health-check" } | { kind: "dry-run" } | { kind: "monitor" } | { kind: "approve"; id: string };

function parseArgs(argv: string[]): Mode {
    const usage = "usage: sync-monitor --health-check | --dry-run | --monitor | --approve <heal-id>";
    if (argv.length === 1 && argv[0] === "--health-check") return { kind: "health-check" };
    if (argv.length === 1 && argv[0] === "--dry-run") return { kind: "dry-run" };
    if (argv.length === 1 && argv[0] === "--monitor") return { kind: "monitor" };
    if (argv.length === 2 && argv[0] === "--approve" && argv[1]) return { kind: "approve", id: argv[1] };
    throw Object.assign(new Error(usage), { exitCode: 2 });
}

const exitCodeOf = (r: SyncReport): number => (r.status === "in_sync" ? 0 : r.status === "drift" ? 1 : 2);

async function main(): Promise<number> {
    const mode = parseArgs(process.argv.slice(2));
    const redactor = new Redactor();
    const scanner = new ExposureScanner();
    const config = loadConfig();
    for (const s of config.secrets) redactor.register(s);
    const logger = createLogger({ redactor, scanner, level: config.logLevel, sink: (l) => process.stderr.write(l) });
    const registry = new Registry();
    const metrics = createMetrics(registry);
    const accounting = new RequestAccounting();
    // A GitHub App authenticates with installation tokens renewed before expiry; each new token is redacted at once.
    const tokenSource = config.githubApp
        ? new InstallationTokenSource({
              baseUrl: config.githubApiUrl,
              app: config.githubApp,
              clock: systemClock,
              onToken: (t) => redactor.register(t),
          })
        : undefined;
    const octokit = createOctokit({
        baseUrl: config.githubApiUrl,
        ...(tokenSource ? { tokenSource } : { token: config.githubToken }),
        metrics,
        accounting,
        pacer: new ReadPacer(config.sync.github.readsPerMinute, systemClock),
        writeSpacingMs: config.sync.heal.minWriteIntervalMs,
        onLimit: (i) => logger.warn(i, "GitHub rate limit"),
    });
    const pool = new Pool({ connectionString: config.databaseUrl, max: 4 });
    pool.on("error", (e) => logger.error({ err: scrubError(e, redactor).message }, "postgres pool error"));
    const ledger = new Ledger(pool);
    const alerter = new Alerter({
        url: config.alertmanagerUrl,
        logger,
        metrics,
        redactor,
        scanner,
        clock: systemClock,
        ttlMs: Math.max(3 * config.sync.checkIntervalSeconds * 1000, 5 * 60_000),
    });
    const monitor = createMonitor({
        config: config.sync,
        github: new GitHubSecrets(octokit),
        esc: createEscClient(config.pulumiBackendUrl, config.pulumiAccessToken),
        ledger,
        alerter,
        metrics,
        logger,
        redactor,
        scanner,
        hmacKey: config.hmacKey,
        attestationsFile: config.attestationsFile,
        listCache: new PostgresListCache(pool),
        accounting,
    });
    const print = (o: unknown) => process.stdout.write(`${redactor.redact(JSON.stringify(o, null, 2))}\n`);

    try {
        await ledger.migrate();
    } catch (e) {
        logger.error({ err: scrubError(e, redactor).message }, "cannot migrate the ledger schema; check DATABASE_URL");
        await pool.end();
        return 2;
    }

    if (mode.kind !== "monitor") {
        try {
            if (mode.kind === "approve") {
                const heal = await monitor.approve(mode.id);
                const report = await monitor.runCheck({ heal: true });
                print({ approved: heal, heals: report.heals, status: report.status });
                return report.heals.some((h) => h.id === mode.id && /^(pushed|deleted)/.test(h.outcome)) ? 0 : 1;
            }
            const report = await monitor.runCheck({ dryRun: mode.kind === "dry-run" });
            print(report);
            return exitCodeOf(report);
        } finally {
            await pool.end();
        }
    }

    const server = createServer(
        createApp({ monitor, registry, redactor, logger, ledger, adminToken: config.adminToken }),
    );
    await new Promise<void>((resolve) => server.listen(config.port, resolve));
    logger.info({ port: config.port, interval: config.sync.checkIntervalSeconds }, "sync-monitor listening");
    monitor.start();
    return await new Promise<number>((resolve) => {
        let closing = false;
        const shutdown = async (signal: string) => {
            if (closing) return resolve(1); // second signal: give up waiting
            closing = true;
            logger.info({ signal }, "shutting down");
            const force = setTimeout(() => resolve(1), 10_000);
            force.unref();
            await new Promise<void>((r) => server.close(() => r()));
            await monitor.stop();
            await pool.end();
            clearTimeout(force);
            resolve(0);
        };
        process.on("SIGTERM", () => void shutdown("SIGTERM"));
        process.on("SIGINT", () => void shutdown("SIGINT"));
    });
}

main().then(
    (code) => process.exit(code),
    (e: Error & { exitCode?: number }) => {
        // Config errors carry no secret values; still keep the output to the message only.
        process.stderr.write(`sync-monitor: ${e.name === "Error" ? "" : `${e.name}: `}${e.message}\n`);
        process.exit(e.exitCode ?? 2);
    },
);
