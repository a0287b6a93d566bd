/**
 * Small Engine API helpers for the e2e checks: the private daemon's client, a service's running containers, their
 * health, and `docker exec` with captured output.
 */
import { PassThrough } from "stream";
import Docker from "dockerode";
import { sleep } from "./applier/applier";

/** The private daemon the harness started (scripts/e2e/daemon.sh); never any other engine. */
export function privateDocker(): Docker {
    const socketPath = process.env.SOPHIA_E2E_DOCKER_SOCK;
    if (!socketPath) {
        throw new Error(
            "SOPHIA_E2E_DOCKER_SOCK is not set: run the e2e through `npm run test:e2e`, which starts a private dockerd and points the tests at its socket.",
        );
    }
    return new Docker({ socketPath });
}

/** Prints a progress line of the e2e run (stderr, so it interleaves with mocha's output). */
export function log(line: string): void {
    process.stderr.write(`  e2e: ${line}\n`);
}

/** Container ids of a service's tasks that are running. */
export async function runningContainers(docker: Docker, service: string): Promise<string[]> {
    const tasks = await docker.listTasks({
        filters: JSON.stringify({ service: [service], "desired-state": ["running"] }),
    });
    return tasks
        .filter((t) => t.Status?.State === "running" && t.Status?.ContainerStatus?.ContainerID)
        .map((t) => t.Status!.ContainerStatus!.ContainerID as string);
}

/** Health of a container ("healthy", "starting", "unhealthy", or "none" without a healthcheck). */
export async function containerHealth(docker: Docker, id: string): Promise<string> {
    const info = await docker.getContainer(id).inspect();
    return info.State.Health?.Status ?? "none";
}

/** Runs a command in a container; returns exit code and output. */
export async function exec(
    docker: Docker,
    containerId: string,
    cmd: string[],
    env: string[] = [],
): Promise<{ code: number; stdout: string; stderr: string }> {
    const e = await docker
        .getContainer(containerId)
        .exec({ Cmd: cmd, Env: env, AttachStdout: true, AttachStderr: true });
    const stream = await e.start({ hijack: true, stdin: false });
    const out = new PassThrough();
    const err = new PassThrough();
    const chunks: { out: Buffer[]; err: Buffer[] } = { out: [], err: [] };
    out.on("data", (b: Buffer) => chunks.out.push(b));
    err.on("data", (b: Buffer) => chunks.err.push(b));
    docker.modem.demuxStream(stream, out, err);
    await new Promise<void>((resolve, reject) => {
        stream.on("end", resolve);
        stream.on("close", resolve);
        stream.on("error", reject);
    });
    let info = await e.inspect();
    for (let i = 0; info.Running && i < 50; i++) {
        await sleep(100);
        info = await e.inspect();
    }
    return {
        code: info.ExitCode ?? -1,
        stdout: Buffer.concat(chunks.out).toString("utf8"),
        stderr: Buffer.concat(chunks.err).toString("utf8"),
    };
}

/** Polls `check` until it returns a value (not undefined) or the time runs out; the error names what was awaited. */
export async function waitFor<T>(
    what: string,
    timeoutMs: number,
    check: () => Promise<T | undefined>,
    intervalMs = 1000,
): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
        try {
            const v = await check();
            if (v !== undefined) {
                return v;
            }
        } catch (e) {
            last = e;
        }
        if (Date.now() > deadline) {
            throw new Error(
                `timed out after ${timeoutMs / 1000}s waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ""}`,
            );
        }
        await sleep(intervalMs);
    }
}
