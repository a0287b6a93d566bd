/**
 * promtool cases for the overlay rules (components/monitoring/rules/overlay.ts): a three-node mesh on network "data"
 * where every node's prober reports every other node, sampled once a minute, failures starting at minute 3.
 */
import type { AlertCase, InputSeries } from "./ruleCases";

const NET = "data";
const JOB = "overlay-probe-data";
const NODES = ["n1", "n2", "n3"] as const;
const INFO = { planned_mtu: "9000", full_bytes: "8950" };
const OK = "1x12";
const FAILS = "1 1 1 0x9";
/** Present for three minutes, then gone (the node is down: nothing of it is scraped any more). */
const GONE = "1 1 1 stale";

const series = (metric: string, instance: string, job: string, labels: Record<string, string>, values: string) => ({
    series: `${metric}{${Object.entries({ instance, job, service: job, ...labels })
        .map(([k, v]) => `${k}="${v}"`)
        .join(",")}}`,
    values,
});
const probeAt = (node: string) => `10.0.9.${NODES.indexOf(node as (typeof NODES)[number]) + 1}:9465`;

/**
 * The mesh: node-exporter and a prober on every node, every path's small and full result from `result` (OK unless
 * it says otherwise), and the nodes in `down` gone after minute 3.
 */
function mesh(result: (src: string, dst: string, size: "small" | "full") => string = () => OK, down: string[] = []) {
    const out: InputSeries[] = [];
    for (const src of NODES) {
        const alive = down.includes(src) ? GONE : OK;
        out.push(series("node_uname_info", `10.0.1.${src.slice(1)}:9100`, "node-exporter", { nodename: src }, alive));
        out.push(
            series("overlayprobe_peers", probeAt(src), JOB, { network: NET, src }, down.includes(src) ? GONE : "2x12"),
        );
        out.push(series("overlayprobe_network_info", probeAt(src), JOB, { network: NET, ...INFO }, alive));
        for (const dst of NODES) {
            if (dst === src) continue;
            for (const size of ["small", "full"] as const) {
                const v = down.includes(src) ? GONE : result(src, dst, size);
                out.push(series("overlayprobe_success", probeAt(src), JOB, { network: NET, src, dst, size }, v));
            }
        }
    }
    return out;
}

const pair = (a: string, b: string) => (src: string, dst: string) =>
    (src === a && dst === b) || (src === b && dst === a);
const path = (src: string, dst: string) => ({ network: NET, src, dst });

export const OVERLAY_CASES: readonly AlertCase[] = [
    {
        alert: "OverlayPathDown",
        name: "fires for the one path that fails while both nodes are up",
        evalTime: "10m",
        series: mesh((s, d) => (s === "n1" && d === "n2" ? FAILS : OK)),
        fires: [path("n1", "n2")],
        checks: [
            {
                expr: 'overlay:path:success{src="n1",dst="n2"}',
                evalTime: "10m",
                samples: [
                    { labels: '{network="data",src="n1",dst="n2",size="small"}', value: 0 },
                    { labels: '{network="data",src="n1",dst="n2",size="full"}', value: 0 },
                ],
            },
            {
                expr: "overlay:network:small_success:ratio",
                evalTime: "10m",
                samples: [{ labels: '{network="data"}', value: 5 / 6 }],
            },
            {
                expr: "overlay:network:full_success:ratio",
                evalTime: "10m",
                samples: [{ labels: '{network="data"}', value: 5 / 6 }],
            },
        ],
    },
    {
        alert: "OverlayPathDown",
        name: "fires for a peer the prober can name only by its address (never answered, no reverse DNS)",
        evalTime: "10m",
        series: [
            ...mesh(),
            series(
                "overlayprobe_success",
                probeAt("n1"),
                JOB,
                { network: NET, src: "n1", dst: "10.0.5.7", size: "small" },
                FAILS,
            ),
        ],
        fires: [path("n1", "10.0.5.7")],
    },
    {
        alert: "OverlayPathDown",
        name: "stays quiet about paths to a node that is down (its exporter and prober are gone)",
        evalTime: "10m",
        series: mesh((s, d) => (d === "n2" ? FAILS : OK), ["n2"]),
        fires: [],
        checks: [
            {
                expr: "overlay:node_up",
                evalTime: "10m",
                samples: [
                    { labels: '{node="n1"}', value: 1 },
                    { labels: '{node="n3"}', value: 1 },
                ],
            },
        ],
    },
    {
        alert: "OverlayPathDown",
        name: "stays quiet when the whole network is down (that is one OverlayNetworkDown)",
        evalTime: "10m",
        series: mesh(() => FAILS),
        fires: [],
    },
    {
        alert: "OverlayPathDown",
        name: "ignores a single failed round",
        evalTime: "10m",
        series: mesh((s, d) => (s === "n1" && d === "n2" ? "1 1 1 0 1x8" : OK)),
        fires: [],
    },
    {
        alert: "OverlayNetworkDown",
        name: "fires once when no path of the network works (e.g. encrypted overlay without ESP)",
        evalTime: "10m",
        series: mesh(() => FAILS),
        fires: [{ network: NET }],
    },
    {
        alert: "OverlayNetworkDown",
        name: "stays quiet while some paths work",
        evalTime: "10m",
        series: mesh((s, d) => (pair("n1", "n2")(s, d) ? FAILS : OK)),
        fires: [],
    },
    {
        alert: "OverlayMtuBlackHole",
        name: "fires both ways when full-size probes between two nodes fail and small ones pass",
        evalTime: "10m",
        series: mesh((s, d, size) => (size === "full" && pair("n1", "n3")(s, d) ? FAILS : OK)),
        fires: [
            { ...path("n1", "n3"), ...INFO },
            { ...path("n3", "n1"), ...INFO },
        ],
    },
    {
        alert: "OverlayMtuBlackHole",
        name: "stays quiet when small probes fail too (that is a path down)",
        evalTime: "10m",
        series: mesh((s, d) => (pair("n1", "n3")(s, d) ? FAILS : OK)),
        fires: [],
    },
    {
        alert: "OverlayMtuBlackHole",
        name: "stays quiet when full-size probes fail on every path (that is one OverlayNetworkMtuBlackHole)",
        evalTime: "10m",
        series: mesh((_s, _d, size) => (size === "full" ? FAILS : OK)),
        fires: [],
    },
    {
        alert: "OverlayNetworkMtuBlackHole",
        name: "fires once when every full-size probe fails and every small one passes",
        evalTime: "10m",
        series: mesh((_s, _d, size) => (size === "full" ? FAILS : OK)),
        fires: [{ network: NET, ...INFO }],
    },
    {
        alert: "OverlayNetworkMtuBlackHole",
        name: "stays quiet when only one pair has the black hole",
        evalTime: "10m",
        series: mesh((s, d, size) => (size === "full" && pair("n1", "n3")(s, d) ? FAILS : OK)),
        fires: [],
    },
];
