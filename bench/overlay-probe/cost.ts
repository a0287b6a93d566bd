/**
 * `npm run bench:overlay-probe`: what the prober costs on the wire. Two probers in network namespaces (the socket
 * test's underlay) probe each other at a 1 s interval for ROUNDS rounds; the bytes and packets on A's bridge port are
 * every probe between A and B in both directions. Prints the cost per ordered pair (one prober probing one peer) per
 * round, per minute at the production interval (15 s), and with VXLAN's 50 bytes per frame added for the overlay.
 * Needs root (ip netns). Target (issue 14): under 100 KB per peer per minute.
 */
import { OVERLAY_PROBE_ENV as ENV, containerMtu } from "../../runtime/overlay-probe/src/contract";
import { createUnderlay, ip, startProber } from "../../test/runtime/overlay-probe/netns";

const ROUNDS = 20;
const PRODUCTION_ROUNDS_PER_MINUTE = 60 / 15;
const VXLAN_OVERHEAD = 50;

async function counters(ns: string, dev: string): Promise<{ bytes: number; packets: number }> {
    const [link] = JSON.parse(await ip("-n", ns, "-s", "-j", "link", "show", dev)) as {
        stats64: { rx: { bytes: number; packets: number }; tx: { bytes: number; packets: number } };
    }[];
    return {
        bytes: link.stats64.rx.bytes + link.stats64.tx.bytes,
        packets: link.stats64.rx.packets + link.stats64.tx.packets,
    };
}

async function measure(mtu: number): Promise<void> {
    const net = await createUnderlay(`c${mtu}`);
    const env = (node: string) => ({
        [ENV.network]: "bench",
        [ENV.node]: node,
        [ENV.peers]: `${net.addrA},${net.addrB}`,
        [ENV.fullBytes]: String(containerMtu(mtu, false)),
        [ENV.plannedMtu]: String(mtu),
        [ENV.intervalMs]: "1000",
        [ENV.timeoutMs]: "500",
    });
    const a = startProber(net.a, env("node-a"));
    const b = startProber(net.b, env("node-b"));
    try {
        // Let both start (ts-node) and finish a first round before counting.
        await new Promise((r) => setTimeout(r, 15000));
        const before = await counters(net.r, "ra");
        await new Promise((r) => setTimeout(r, ROUNDS * 1000));
        const after = await counters(net.r, "ra");
        // Two ordered pairs (A probes B, B probes A) share A's port.
        const perPairRound = {
            bytes: (after.bytes - before.bytes) / ROUNDS / 2,
            packets: (after.packets - before.packets) / ROUNDS / 2,
        };
        const perMinute = perPairRound.bytes * PRODUCTION_ROUNDS_PER_MINUTE;
        const onOverlay = (perPairRound.bytes + perPairRound.packets * VXLAN_OVERHEAD) * PRODUCTION_ROUNDS_PER_MINUTE;
        console.log(
            `MTU ${mtu} (full-size probe ${containerMtu(mtu, false)} bytes each way): per peer per round ${perPairRound.bytes.toFixed(0)} bytes in ${perPairRound.packets.toFixed(1)} frames; ` +
                `per peer per minute at 15 s: ${(perMinute / 1000).toFixed(1)} kB, ${(onOverlay / 1000).toFixed(1)} kB with VXLAN framing (target < 100 kB)`,
        );
    } finally {
        await Promise.all([a.stop(), b.stop()]);
        await net.teardown();
    }
}

async function main(): Promise<void> {
    for (const mtu of [1500, 9000]) await measure(mtu);
    const { loadavg } = await import("node:os");
    console.log(
        `load average: ${loadavg()
            .map((l) => l.toFixed(2))
            .join(" ")}`,
    );
}

void main().then(
    () => process.exit(0),
    (e: unknown) => {
        console.error(e);
        process.exit(1);
    },
);
