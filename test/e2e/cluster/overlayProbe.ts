/**
 * Cross-node data-plane probes on overlays of the suite's own: a global service (one task per node) attached to an
 * overlay, and UDP datagrams sent between the tasks of two nodes from inside their network namespaces (the host's
 * python3 entered into each task's namespace with nsenter; the stand-in images carry no ping), with the
 * don't-fragment bit set, so a datagram larger than the path MTU fails instead of being fragmented.
 */
import { execFile, spawn } from "child_process";
import { promisify } from "util";
import Docker from "dockerode";
import { waitFor } from "../engine";
import { taskSummary } from "../applier/applier";
import { RegistryAuth } from "../applier/specs";
import { ClusterNode } from "./nodes";

const run = promisify(execFile);

/** One probe task: which node, its container's pid (host pid namespace), address and interface MTU on the overlay. */
export interface ProbeTask {
    node: string;
    pid: number;
    address: string;
    mtu: number;
}

/** Creates `name` (overlay, attachable, the given MTU, optionally encrypted) and a global probe service on it. */
export async function startProbe(
    manager: Docker,
    nodes: ClusterNode[],
    opts: { name: string; mtu: number; encrypted: boolean; image: string; auth: RegistryAuth },
): Promise<ProbeTask[]> {
    const options: Record<string, string> = { "com.docker.network.driver.mtu": String(opts.mtu) };
    if (opts.encrypted) {
        options.encrypted = "true";
    }
    const net = await manager.createNetwork({ Name: opts.name, Driver: "overlay", Attachable: true, Options: options });
    await manager.createService(opts.auth, {
        Name: `${opts.name}-probe`,
        Labels: { "sophia-e2e.probe": opts.name },
        TaskTemplate: {
            ContainerSpec: { Image: opts.image, Command: ["sleep", "1200"], Init: true },
            Networks: [{ Target: net.id }],
            RestartPolicy: { Condition: "none" },
        },
        Mode: { Global: {} },
        EndpointSpec: { Mode: "dnsrr" },
    } as Docker.CreateServiceOptions);
    const byId = new Map<string, ClusterNode>();
    for (const n of await manager.listNodes()) {
        byId.set(
            n.ID!,
            nodes.find((c) => c.name === n.Description?.Hostname)!,
        );
    }
    // Each node pulls the image from the registry first (the stand-ins share a ~900 MB base layer).
    const tasks = await waitFor(
        `a running ${opts.name} probe task on each of the ${nodes.length} nodes`,
        6 * 60 * 1000,
        async () => {
            const ts = await manager.listTasks({
                filters: JSON.stringify({ service: [`${opts.name}-probe`], "desired-state": ["running"] }),
            });
            const running = ts.filter((t) => t.Status?.State === "running" && t.Status?.ContainerStatus?.ContainerID);
            return running.length === nodes.length ? running : undefined;
        },
        2000,
    ).catch(async (e) => {
        throw new Error(`${(e as Error).message}: ${await taskSummary(manager, `${opts.name}-probe`)}`);
    });
    return Promise.all(
        tasks.map(async (t) => {
            const node = byId.get(t.NodeID!)!;
            const info = await node.docker.getContainer(t.Status!.ContainerStatus!.ContainerID!).inspect();
            const address = info.NetworkSettings.Networks[opts.name].IPAddress;
            const { stdout: addr } = await run("nsenter", [
                "-t",
                String(info.State.Pid),
                "-n",
                "ip",
                "-o",
                "addr",
                "show",
                "to",
                address,
            ]);
            const ifname = addr.trim().split(/\s+/)[1];
            const { stdout: link } = await run("nsenter", [
                "-t",
                String(info.State.Pid),
                "-n",
                "ip",
                "-o",
                "link",
                "show",
                "dev",
                ifname,
            ]);
            const mtu = Number(/ mtu (\d+)/.exec(link)?.[1]);
            return { node: node.name, pid: info.State.Pid, address, mtu };
        }),
    );
}

/** Removes the probe service and its network. */
export async function stopProbe(manager: Docker, name: string): Promise<void> {
    await manager
        .getService(`${name}-probe`)
        .remove()
        .catch(() => undefined);
    await waitFor(`the ${name} probe tasks to go`, 60000, async () => {
        try {
            await manager.getNetwork(name).remove();
            return true;
        } catch {
            return undefined;
        }
    });
}

const RECEIVE = `
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 47000))
s.settimeout(float(sys.argv[2]))
print("ready", flush=True)
try:
    data, _ = s.recvfrom(65535)
    print("got", len(data), flush=True)
except socket.timeout:
    print("timeout", flush=True)
`;

const SEND = `
import socket, sys, errno
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, 10, 2)  # IP_MTU_DISCOVER = IP_PMTUDISC_DO: the don't-fragment bit, never fragment
try:
    for _ in range(3):
        s.sendto(b"x" * int(sys.argv[2]), (sys.argv[1], 47000))
    print("sent", flush=True)
except OSError as e:
    print("error", errno.errorcode.get(e.errno, e.errno), flush=True)
`;

/** What became of one datagram: whether the sender could send it and whether the receiver got it. */
export interface DatagramResult {
    sent: string;
    received: number | "timeout";
}

/** Sends a don't-fragment UDP datagram with `payload` bytes from task `from` to task `to` (both namespaces entered). */
export async function sendDatagram(
    from: ProbeTask,
    to: ProbeTask,
    payload: number,
    waitS = 3,
): Promise<DatagramResult> {
    const receiver = spawn(
        "nsenter",
        ["-t", String(to.pid), "-n", "python3", "-c", RECEIVE, to.address, String(waitS)],
        {
            stdio: ["ignore", "pipe", "pipe"],
        },
    );
    let out = "";
    const done = new Promise<string>((resolve) => {
        receiver.stdout.on("data", (b: Buffer) => (out += b.toString()));
        receiver.on("close", () => resolve(out));
    });
    await waitFor("the UDP receiver to listen", 10000, async () => (out.includes("ready") ? true : undefined), 50);
    const { stdout } = await run("nsenter", [
        "-t",
        String(from.pid),
        "-n",
        "python3",
        "-c",
        SEND,
        to.address,
        String(payload),
    ]);
    const result = await done;
    const got = /got (\d+)/.exec(result);
    return { sent: stdout.trim(), received: got ? Number(got[1]) : "timeout" };
}
