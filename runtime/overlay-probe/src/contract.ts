/**
 * The deployment contract between the overlay prober and the program that runs it (components/monitoring/services/
 * overlayProbe.ts) and watches it (the overlay rules and dashboard): every name both sides spell. Only constants and no
 * imports, because the image builds from runtime/overlay-probe alone while the program imports this file from outside.
 */

/** Docker service name prefix: one global service per overlay network, named `<prefix>overlay-probe-<network>`. */
export const OVERLAY_PROBE_SERVICE = "overlay-probe";

/** HTTP port (health, metrics) and TCP port of the probe exchange. */
export const OVERLAY_PROBE_PORTS = { http: 9465, probe: 9466 } as const;

/** HTTP paths: liveness and Prometheus metrics. */
export const OVERLAY_PROBE_PATHS = { health: "/healthz", metrics: "/metrics" } as const;

/** Environment variables the component sets and the service reads. */
export const OVERLAY_PROBE_ENV = {
    /** Name of the overlay network this task probes (the `network` label). */
    network: "OVERLAY_PROBE_NETWORK",
    /** This task's Swarm node id (the `src` label); the component sets it to `{{.Node.ID}}`. */
    node: "OVERLAY_PROBE_NODE",
    /** Where the peers are: `tasks.<service>` (DNS, one A record per task) or a comma-separated list of IPv4 addresses. */
    peers: "OVERLAY_PROBE_PEERS",
    /** Bytes each way of the full-size probe: the container MTU of the network, so TCP must send full-size segments. */
    fullBytes: "OVERLAY_PROBE_FULL_BYTES",
    /** The network's planned (underlay) MTU, exported for the alert text. */
    plannedMtu: "OVERLAY_PROBE_PLANNED_MTU",
    /** Milliseconds between probe rounds. */
    intervalMs: "OVERLAY_PROBE_INTERVAL_MS",
    /** Milliseconds one probe exchange may take (connect to last byte) before it counts as failed. */
    timeoutMs: "OVERLAY_PROBE_TIMEOUT_MS",
    httpPort: "PORT",
    probePort: "OVERLAY_PROBE_PORT",
    logLevel: "LOG_LEVEL",
} as const;

/** Metric names (labels `network`, `src`, `dst`, `size` unless noted). */
export const OVERLAY_PROBE_METRICS = {
    /** Gauge: 1 when the last probe of that size succeeded, 0 when it failed. */
    success: "overlayprobe_success",
    /** Gauge: round-trip time of the last successful probe (TCP connect to last byte of the answer). */
    rtt: "overlayprobe_rtt_seconds",
    /** Gauge: Unix time of the last successful probe. */
    lastSuccess: "overlayprobe_last_success_timestamp_seconds",
    /** Gauge, labels `network`, `src`: peers discovered in the last round. */
    peers: "overlayprobe_peers",
    /** Gauge 1, labels `network`, `planned_mtu`, `full_bytes`: what the full-size probe is sized for. */
    networkInfo: "overlayprobe_network_info",
} as const;

/** Values of the `size` label. */
export const OVERLAY_PROBE_SIZES = { small: "small", full: "full" } as const;

/** The image's unprivileged user (the official Node images' "node"). */
export const OVERLAY_PROBE_UID = "1000";

/** Encapsulation overhead of a Docker overlay: VXLAN (50 bytes), plus 26 with IPsec ESP when encrypted. */
export const OVERLAY_OVERHEAD = { vxlan: 50, esp: 26 } as const;

/** The MTU containers get on an overlay with underlay MTU `mtu` (what a full-size probe must carry). */
export function containerMtu(mtu: number, encrypted: boolean): number {
    return mtu - OVERLAY_OVERHEAD.vxlan - (encrypted ? OVERLAY_OVERHEAD.esp : 0);
}
