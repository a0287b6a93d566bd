/**
 * The probe loop: every interval, discover the peers and run, per peer, one small probe then one full-size probe.
 * Results become gauges labelled (network, src, dst, size). A peer that has left DNS for `forgetAfterRounds` rounds
 * has its series removed, so a node that is gone stops reporting paths instead of reporting stale ones.
 */
import { OVERLAY_PROBE_SIZES as SIZES } from "./contract";
import { Peer } from "./discovery";
import { ProbeError } from "./errors";
import { Logger } from "./logger";
import { ProbeMetrics } from "./metrics";
import { probe as tcpProbe, ProbeResult } from "./protocol";

/** What the prober needs; `probe` and `now` are injectable for tests. */
export interface ProberDeps {
    readonly network: string;
    readonly node: string;
    readonly probePort: number;
    readonly fullBytes: number;
    readonly plannedMtu: number;
    readonly intervalMs: number;
    readonly timeoutMs: number;
    readonly discover: () => Promise<Peer[]>;
    readonly metrics: ProbeMetrics;
    readonly logger: Logger;
    readonly probe?: typeof tcpProbe;
    readonly now?: () => number;
    /** Rounds a vanished peer's series are kept. Defaults to 4 (one minute at 15 s). */
    readonly forgetAfterRounds?: number;
}

/** A running prober. */
export interface Prober {
    start(): void;
    /** Runs one round now (tests, and the loop itself). */
    runOnce(): Promise<void>;
    stop(): Promise<void>;
    /** True once a round has completed (the loop is alive). */
    readonly ready: boolean;
}

/** Builds the prober; nothing runs until `start()`. */
export function createProber(deps: ProberDeps): Prober {
    const probe = deps.probe ?? tcpProbe;
    const now = deps.now ?? Date.now;
    const forgetAfter = deps.forgetAfterRounds ?? 4;
    const m = deps.metrics;
    /** Address -> node learned from answers (more direct than DNS). */
    const learned = new Map<string, string>();
    /** dst label -> rounds since it was last discovered. */
    const absent = new Map<string, number>();
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<void> | undefined;
    let stopped = false;
    let ready = false;

    m.networkInfo.set(
        { network: deps.network, planned_mtu: String(deps.plannedMtu), full_bytes: String(deps.fullBytes) },
        1,
    );

    const record = (dst: string, size: string, result: ProbeResult | ProbeError) => {
        const labels = { network: deps.network, src: deps.node, dst, size };
        if (result instanceof ProbeError) {
            m.success.set(labels, 0);
            return;
        }
        m.success.set(labels, 1);
        m.rtt.set(labels, result.rttSeconds);
        m.lastSuccess.set(labels, now() / 1000);
    };

    const attempt = (address: string, bytes: number) =>
        probe(address, deps.probePort, bytes, deps.timeoutMs).catch((e: unknown) =>
            e instanceof ProbeError ? e : new ProbeError("unreachable", String((e as Error)?.message ?? e)),
        );

    const probePeer = async (peer: Peer): Promise<string> => {
        const small = await attempt(peer.address, 0);
        if (!(small instanceof ProbeError) && small.peerNode) learned.set(peer.address, small.peerNode);
        // The label is the node id: from the answer, else from DNS, else (never reached, no PTR) the address.
        const dst = learned.get(peer.address) ?? peer.node ?? peer.address;
        record(dst, SIZES.small, small);
        const full = await attempt(peer.address, deps.fullBytes);
        record(dst, SIZES.full, full);
        if (small instanceof ProbeError || full instanceof ProbeError) {
            deps.logger.debug(
                {
                    dst,
                    small: small instanceof ProbeError ? small.reason : "ok",
                    full: full instanceof ProbeError ? full.reason : "ok",
                },
                "probe failed",
            );
        }
        return dst;
    };

    const forget = (dst: string) => {
        for (const size of Object.values(SIZES)) {
            const labels = { network: deps.network, src: deps.node, dst, size };
            m.success.remove(labels);
            m.rtt.remove(labels);
            m.lastSuccess.remove(labels);
        }
    };

    const runOnce = async () => {
        const peers = await deps.discover().catch(() => [] as Peer[]);
        m.peers.set({ network: deps.network, src: deps.node }, peers.length);
        for (const address of [...learned.keys()]) {
            if (!peers.some((p) => p.address === address)) learned.delete(address);
        }
        const seen = new Set(await Promise.all(peers.map(probePeer)));
        for (const dst of seen) absent.set(dst, 0);
        for (const [dst, rounds] of absent) {
            if (seen.has(dst)) continue;
            if (rounds + 1 >= forgetAfter) {
                forget(dst);
                absent.delete(dst);
            } else {
                absent.set(dst, rounds + 1);
            }
        }
        ready = true;
    };

    const loop = () => {
        if (stopped) return;
        const started = now();
        running = runOnce()
            .catch((e: unknown) => deps.logger.error({ err: (e as Error)?.message }, "probe round failed"))
            .finally(() => {
                running = undefined;
                if (!stopped) timer = setTimeout(loop, Math.max(0, deps.intervalMs - (now() - started)));
            });
    };

    return {
        start() {
            stopped = false;
            loop();
        },
        runOnce,
        async stop() {
            stopped = true;
            if (timer) clearTimeout(timer);
            await running;
        },
        get ready() {
            return ready;
        },
    };
}
