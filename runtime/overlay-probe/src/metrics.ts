import { Gauge, Registry } from "prom-client";
import { OVERLAY_PROBE_METRICS as M } from "./contract";

const PATH_LABELS = ["network", "src", "dst", "size"] as const;

/** The prober's metrics: per (network, src, dst, size) and nothing finer. */
export interface ProbeMetrics {
    readonly success: Gauge<(typeof PATH_LABELS)[number]>;
    readonly rtt: Gauge<(typeof PATH_LABELS)[number]>;
    readonly lastSuccess: Gauge<(typeof PATH_LABELS)[number]>;
    readonly peers: Gauge<"network" | "src">;
    readonly networkInfo: Gauge<"network" | "planned_mtu" | "full_bytes">;
}

/** Registers the prober's metrics on `registry`. */
export function createMetrics(registry: Registry): ProbeMetrics {
    const registers = [registry];
    return {
        success: new Gauge({
            name: M.success,
            help: "1 when the last probe of this size from src to dst on this overlay network succeeded, 0 when it failed.",
            labelNames: PATH_LABELS,
            registers,
        }),
        rtt: new Gauge({
            name: M.rtt,
            help: "Round-trip time of the last successful probe (TCP connect to the last byte of the answer).",
            labelNames: PATH_LABELS,
            registers,
        }),
        lastSuccess: new Gauge({
            name: M.lastSuccess,
            help: "Unix time of the last successful probe.",
            labelNames: PATH_LABELS,
            registers,
        }),
        peers: new Gauge({
            name: M.peers,
            help: "Peers (other tasks of this prober) discovered on the network in the last round.",
            labelNames: ["network", "src"] as const,
            registers,
        }),
        networkInfo: new Gauge({
            name: M.networkInfo,
            help: "1; the network's planned underlay MTU and the payload bytes of the full-size probe.",
            labelNames: ["network", "planned_mtu", "full_bytes"] as const,
            registers,
        }),
    };
}
