import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A real `redis-server` owned by a test: on a free loopback port, in its own temp dir, stoppable and restartable. */
export interface RedisServer {
    readonly port: number;
    readonly url: string;
    readonly dir: string;
    /** Whether the process is running. */
    readonly running: boolean;
    /** Kills the server (SIGKILL by default, to simulate a crash) and waits for it to exit. */
    stop(signal?: NodeJS.Signals): Promise<void>;
    /** Starts it again on the same port. */
    start(): Promise<void>;
    /** Stops it for good and removes the temp dir. */
    close(): Promise<void>;
}

// Servers still running when the test process exits (a crashed suite skips its `after`) are killed with it.
const live = new Set<ChildProcess>();
process.once("exit", () => {
    for (const c of live) c.kill("SIGKILL");
});

/** Finds a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.unref();
        srv.on("error", reject);
        srv.listen(0, "127.0.0.1", () => {
            const port = (srv.address() as net.AddressInfo).port;
            srv.close(() => resolve(port));
        });
    });
}

function ping(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const sock = net.connect(port, "127.0.0.1");
        let buf = "";
        sock.setTimeout(500, () => {
            sock.destroy();
            resolve(false);
        });
        sock.on("connect", () => sock.write("PING\r\n"));
        sock.on("data", (d) => {
            buf += d.toString();
            if (buf.includes("\r\n")) {
                sock.destroy();
                resolve(buf.startsWith("+PONG") || buf.startsWith("-NOAUTH"));
            }
        });
        sock.on("error", () => resolve(false));
    });
}

/**
 * Starts `redis-server` (from the Debian package) with persistence off on a free port. Call `close()` in `after`.
 * @param binary path to redis-server; defaults to the one on PATH
 * @param extraArgs more redis-server arguments, e.g. `["--requirepass", "pw"]`
 */
export async function startRedis(binary = "redis-server", extraArgs: string[] = []): Promise<RedisServer> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), "redis-test-"));
    let child: ChildProcess | undefined;
    let exited: Promise<void> = Promise.resolve();

    async function start(): Promise<void> {
        if (child) return;
        const c = spawn(
            binary,
            [
                "--port",
                String(port),
                "--bind",
                "127.0.0.1",
                "--dir",
                dir,
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--loglevel",
                "warning",
                ...extraArgs,
            ],
            {
                stdio: ["ignore", "ignore", "pipe"],
            },
        );
        child = c;
        live.add(c);
        let stderr = "";
        c.stderr?.on("data", (d) => (stderr += d.toString()));
        exited = new Promise((resolve) => c.once("exit", () => resolve()));
        void exited.then(() => {
            live.delete(c);
            if (child === c) child = undefined;
        });
        const deadline = Date.now() + 10000;
        while (Date.now() < deadline) {
            if (c.exitCode !== null) throw new Error(`redis-server exited during start: ${stderr.trim()}`);
            if (await ping(port)) return;
            await new Promise((r) => setTimeout(r, 25));
        }
        c.kill("SIGKILL");
        throw new Error(`redis-server did not answer PING on port ${port} within 10 s: ${stderr.trim()}`);
    }

    async function stop(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
        const c = child;
        if (!c) return;
        child = undefined;
        c.kill(signal);
        await exited;
    }

    await start();
    return {
        port,
        url: `redis://127.0.0.1:${port}`,
        dir,
        get running() {
            return child !== undefined;
        },
        stop,
        start,
        async close() {
            await stop();
            rmSync(dir, { recursive: true, force: true });
        },
    };
}
