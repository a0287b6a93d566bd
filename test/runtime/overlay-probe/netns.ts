/**
 * A two-node "underlay" in network namespaces for the prober's socket tests: namespaces A and B, each with one veth
 * into a bridge in namespace R, every link at MTU 9000. Lowering the MTU of B's bridge port makes the bridge drop
 * larger frames silently (no fragmentation, no ICMP): the MTU black hole a jumbo overlay meets on a smaller hop.
 * Names carry the process id so parallel runs do not collide; everything is deleted on teardown and on exit.
 */
import { ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const REPO = path.resolve(__dirname, "../../..");

/** Runs `ip` with the given arguments; throws with its stderr. */
export async function ip(...args: string[]): Promise<string> {
    return (await run("ip", args)).stdout;
}

/** Runs a command inside namespace `ns`. */
export async function inNs(ns: string, cmd: string, ...args: string[]): Promise<string> {
    return (await run("ip", ["netns", "exec", ns, cmd, ...args], { timeout: 15000 })).stdout;
}

/** The test underlay. */
export interface Underlay {
    readonly a: string;
    readonly b: string;
    readonly r: string;
    readonly addrA: string;
    readonly addrB: string;
    /** Sets the MTU of B's port on the bridge (9000 restores the healthy path). */
    setBridgePortMtu(mtu: number): Promise<void>;
    /** Drops (or stops dropping) every TCP packet to B's probe port inside B. */
    dropAtB(port: number, on: boolean): Promise<void>;
    teardown(): Promise<void>;
}

const created = new Set<string>();
let exitHookInstalled = false;

function deleteSync(ns: string): void {
    try {
        execFileSync("ip", ["netns", "del", ns], { stdio: "ignore" });
    } catch {
        // already gone
    }
}

/** Creates the namespaces, veths and bridge. */
export async function createUnderlay(tag: string): Promise<Underlay> {
    const id = `${process.pid % 100000}${tag}`;
    const [a, b, r] = [`sopA${id}`, `sopB${id}`, `sopR${id}`];
    if (!exitHookInstalled) {
        exitHookInstalled = true;
        process.on("exit", () => [...created].forEach(deleteSync));
    }
    for (const ns of [a, b, r]) {
        deleteSync(ns);
        await ip("netns", "add", ns);
        created.add(ns);
        await ip("-n", ns, "link", "set", "lo", "up");
    }
    const addrA = "10.231.1.1";
    const addrB = "10.231.1.2";
    await ip("-n", r, "link", "add", "br0", "mtu", "9000", "type", "bridge");
    for (const [ns, port, addr] of [
        [a, "ra", addrA],
        [b, "rb", addrB],
    ]) {
        // Created directly inside the namespaces: nothing appears in the root namespace.
        await ip("-n", ns, "link", "add", "eth0", "mtu", "9000", "type", "veth", "peer", "name", port, "netns", r);
        await ip("-n", r, "link", "set", port, "mtu", "9000", "master", "br0", "up");
        // One segment per packet, as on a real wire: a GSO super-packet would pass the bridge's MTU check whole.
        await ip("-n", ns, "link", "set", "eth0", "gso_max_segs", "1");
        await ip("-n", ns, "addr", "add", `${addr}/24`, "dev", "eth0");
        await ip("-n", ns, "link", "set", "eth0", "up");
    }
    await ip("-n", r, "link", "set", "br0", "up");
    return {
        a,
        b,
        r,
        addrA,
        addrB,
        async setBridgePortMtu(mtu) {
            await ip("-n", r, "link", "set", "rb", "mtu", String(mtu));
        },
        async dropAtB(port, on) {
            await inNs(b, "iptables", on ? "-I" : "-D", "INPUT", "-p", "tcp", "--dport", String(port), "-j", "DROP");
        },
        async teardown() {
            for (const ns of [a, b, r]) {
                deleteSync(ns);
                created.delete(ns);
            }
        },
    };
}

/** A prober process (runtime/overlay-probe/src/main.ts) running inside a namespace. */
export interface ProberProcess {
    readonly child: ChildProcess;
    readonly output: () => string;
    stop(): Promise<void>;
}

/** Starts the real service entry point inside `ns` with `env`. */
export function startProber(ns: string, env: Record<string, string>): ProberProcess {
    const child = spawn(
        "ip",
        [
            "netns",
            "exec",
            ns,
            process.execPath,
            "-r",
            "ts-node/register/transpile-only",
            path.join(REPO, "runtime/overlay-probe/src/main.ts"),
        ],
        { cwd: REPO, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    return {
        child,
        output: () => out,
        stop: () =>
            new Promise<void>((resolve) => {
                if (child.exitCode !== null || child.signalCode !== null) return resolve();
                child.once("exit", () => resolve());
                child.kill("SIGTERM");
                setTimeout(() => child.kill("SIGKILL"), 5000).unref();
            }),
    };
}

/** Scrapes `http://<addr>:<port>/metrics` from inside `ns` and returns the overlayprobe_ samples. */
export async function scrape(ns: string, addr: string, port: number): Promise<Map<string, number>> {
    const text = await inNs(ns, "curl", "-fsS", "--max-time", "3", `http://${addr}:${port}/metrics`);
    const out = new Map<string, number>();
    for (const line of text.split("\n")) {
        if (!line.startsWith("overlayprobe_")) continue;
        const i = line.lastIndexOf(" ");
        out.set(line.slice(0, i), Number(line.slice(i + 1)));
    }
    return out;
}

/** Polls `check` until it returns true or `ms` pass; returns the last value seen for the failure message. */
export async function waitFor<T>(ms: number, get: () => Promise<T>, check: (v: T) => boolean): Promise<T> {
    const deadline = Date.now() + ms;
    let last: T | undefined;
    for (;;) {
        try {
            last = await get();
            if (check(last)) return last;
        } catch {
            // not up yet
        }
        if (Date.now() > deadline) return last as T;
        await new Promise((r) => setTimeout(r, 250));
    }
}
