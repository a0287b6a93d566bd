/**
 * Starts a real Postgres 15 (Debian's packages, /usr/lib/postgresql/15/bin) on a free loopback port in a temp dir,
 * running as the `postgres` user because Postgres refuses to run as root. Tests stop it with `stop()`.
 */
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, chownSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "pg";

const BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";

export interface PostgresServer {
    /** Connection URL of the created database (`postgres://postgres@127.0.0.1:<port>/<db>`). */
    readonly url: string;
    readonly port: number;
    readonly dataDir: string;
    /** Creates another empty database and returns its URL. */
    createDatabase(name: string): Promise<string>;
    /** Stops the server (fast shutdown) and removes the temp dir. */
    stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const s = createServer();
        s.once("error", reject);
        s.listen(0, "127.0.0.1", () => {
            const port = (s.address() as { port: number }).port;
            s.close(() => resolve(port));
        });
    });
}

function pgIds(): { uid: number; gid: number } {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
    return { uid, gid };
}

async function waitReady(port: number, proc: ChildProcess, log: () => string): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
        if (proc.exitCode !== null) throw new Error(`postgres exited with ${proc.exitCode}: ${log()}`);
        const c = new Client({ host: "127.0.0.1", port, user: "postgres", database: "postgres" });
        try {
            await c.connect();
            await c.end();
            return;
        } catch {
            await c.end().catch(() => undefined);
            if (Date.now() > deadline) throw new Error(`postgres did not accept connections within 30 s: ${log()}`);
            await new Promise((r) => setTimeout(r, 100));
        }
    }
}

/** Starts a throwaway Postgres and creates database `db` (default "test"). */
export async function startPostgres(opts: { db?: string } = {}): Promise<PostgresServer> {
    const dir = mkdtempSync(join(tmpdir(), "pg-test-"));
    const dataDir = join(dir, "data");
    const ids = process.getuid?.() === 0 ? pgIds() : undefined;
    if (ids) chownSync(dir, ids.uid, ids.gid);
    const asPg = ids ? { uid: ids.uid, gid: ids.gid } : {};
    execFileSync(
        join(BIN, "initdb"),
        ["-D", dataDir, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"],
        { ...asPg, stdio: "pipe", cwd: dir },
    );
    const port = await freePort();
    let output = "";
    const proc = spawn(
        join(BIN, "postgres"),
        [
            "-D",
            dataDir,
            "-p",
            String(port),
            "-k",
            dir,
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
            "-c",
            "max_connections=50",
        ],
        { ...asPg, cwd: dir, stdio: ["ignore", "pipe", "pipe"] },
    );
    proc.stdout?.on("data", (d) => (output = (output + d).slice(-4000)));
    proc.stderr?.on("data", (d) => (output = (output + d).slice(-4000)));
    await waitReady(port, proc, () => output);
    const createDatabase = async (name: string): Promise<string> => {
        const c = new Client({ host: "127.0.0.1", port, user: "postgres", database: "postgres" });
        await c.connect();
        try {
            await c.query(`CREATE DATABASE "${name.replace(/"/g, "")}"`);
        } finally {
            await c.end();
        }
        return `postgres://postgres@127.0.0.1:${port}/${name}`;
    };
    const url = await createDatabase(opts.db ?? "test");
    return {
        url,
        port,
        dataDir,
        createDatabase,
        async stop() {
            // Smart shutdown first (lets clients that are still closing finish, so they see no FATAL error), then fast,
            // then kill.
            for (const [signal, waitMs] of [
                ["SIGTERM", 3000],
                ["SIGINT", 10_000],
                ["SIGKILL", 5000],
            ] as const) {
                if (proc.exitCode !== null || proc.signalCode !== null) break;
                const exited = new Promise((r) => proc.once("exit", r));
                proc.kill(signal);
                await Promise.race([exited, new Promise((r) => setTimeout(r, waitMs))]);
            }
            rmSync(dir, { recursive: true, force: true });
        },
    };
}
