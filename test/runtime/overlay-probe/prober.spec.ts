import { expect } from "chai";
import { Registry } from "prom-client";
import { createDiscovery, nodeFromTaskName } from "../../../runtime/overlay-probe/src/discovery";
import { ProbeError } from "../../../runtime/overlay-probe/src/errors";
import { createLogger } from "../../../runtime/overlay-probe/src/logger";
import { createMetrics } from "../../../runtime/overlay-probe/src/metrics";
import { createProber } from "../../../runtime/overlay-probe/src/prober";
import { ProbeResult } from "../../../runtime/overlay-probe/src/protocol";

const NODE_B = "bbbbbbbbbbbbbbbbbbbbbbbbb";
const NODE_C = "ccccccccccccccccccccccccc";

describe("overlay-probe prober", () => {
    describe("discovery", () => {
        it("reads the node id from a global task's name", () => {
            expect(
                nodeFromTaskName(`overlay-probe-backend.${NODE_B}.t1x2y3.backend`, "overlay-probe-backend"),
            ).to.equal(NODE_B);
            expect(nodeFromTaskName("overlay-probe-backend.1.t1x2y3", "overlay-probe-backend")).to.equal(undefined);
            expect(nodeFromTaskName(`other.${NODE_B}.t1`, "overlay-probe-backend")).to.equal(undefined);
        });

        it("resolves tasks.<service>, leaves its own address out and names peers by reverse DNS", async () => {
            const dns = {
                resolve4: async (name: string) => (name === "tasks.op" ? ["10.0.0.2", "10.0.0.3", "10.0.0.4"] : []),
                reverse: async (a: string) =>
                    a === "10.0.0.3" ? [`op.${NODE_C}.task1.net`] : Promise.reject(new Error("NXDOMAIN")),
            };
            const discover = createDiscovery("tasks.op", dns, () => new Set(["10.0.0.2"]));
            expect(await discover()).to.deep.equal([
                { address: "10.0.0.3", node: NODE_C },
                { address: "10.0.0.4", node: undefined },
            ]);
        });

        it("reports no peers (not an error) while the name does not resolve", async () => {
            const dns = { resolve4: () => Promise.reject(new Error("ENOTFOUND")), reverse: async () => [] };
            expect(await createDiscovery("tasks.op", dns, () => new Set())()).to.deep.equal([]);
        });
    });

    describe("#runOnce", () => {
        const setup = (answers: Record<string, (bytes: number) => ProbeResult | ProbeError>, peers: string[][]) => {
            const registry = new Registry();
            let round = 0;
            const calls: string[] = [];
            const prober = createProber({
                network: "backend",
                node: "node-a",
                probePort: 9466,
                fullBytes: 8950,
                plannedMtu: 9000,
                intervalMs: 15000,
                timeoutMs: 5000,
                discover: async () =>
                    (peers[Math.min(round++, peers.length - 1)] ?? []).map((address) => ({ address })),
                metrics: createMetrics(registry),
                logger: createLogger("error", {}, () => undefined),
                probe: async (address, _port, bytes) => {
                    calls.push(`${address}:${bytes}`);
                    const r = answers[address](bytes);
                    if (r instanceof ProbeError) throw r;
                    return r;
                },
                now: () => 1_700_000_000_000,
                forgetAfterRounds: 2,
            });
            return { prober, registry, calls };
        };
        const ok = (node: string) => () => ({ rttSeconds: 0.002, peerNode: node });
        const values = async (registry: Registry, metric: string) =>
            Object.fromEntries(
                ((await registry.getSingleMetric(metric)!.get()).values ?? []).map((v) => [
                    `${v.labels.dst}/${v.labels.size}`,
                    v.value,
                ]),
            );

        it("probes each peer once per size per round and records success, RTT and last success", async () => {
            const { prober, registry, calls } = setup({ "10.0.0.3": ok("node-b") }, [["10.0.0.3"]]);
            await prober.runOnce();
            expect(calls).to.deep.equal(["10.0.0.3:0", "10.0.0.3:8950"]);
            expect(await values(registry, "overlayprobe_success")).to.deep.equal({
                "node-b/small": 1,
                "node-b/full": 1,
            });
            expect(await values(registry, "overlayprobe_rtt_seconds")).to.deep.equal({
                "node-b/small": 0.002,
                "node-b/full": 0.002,
            });
            expect(await values(registry, "overlayprobe_last_success_timestamp_seconds")).to.deep.equal({
                "node-b/small": 1_700_000_000,
                "node-b/full": 1_700_000_000,
            });
        });

        it("records 0 for the full size alone when only small exchanges pass, keeping the last success time", async () => {
            let mtuOk = true;
            const { prober, registry } = setup(
                {
                    "10.0.0.3": (bytes) =>
                        bytes > 0 && !mtuOk ? new ProbeError("timeout", "stalled") : ok("node-b")(),
                },
                [["10.0.0.3"]],
            );
            await prober.runOnce();
            mtuOk = false;
            await prober.runOnce();
            expect(await values(registry, "overlayprobe_success")).to.deep.equal({
                "node-b/small": 1,
                "node-b/full": 0,
            });
            expect(await values(registry, "overlayprobe_last_success_timestamp_seconds")).to.have.property(
                "node-b/full",
                1_700_000_000,
            );
        });

        it("drops a vanished peer's series after forgetAfterRounds rounds", async () => {
            const { prober, registry } = setup({ "10.0.0.3": ok("node-b") }, [["10.0.0.3"], [], [], []]);
            await prober.runOnce();
            await prober.runOnce();
            expect(Object.keys(await values(registry, "overlayprobe_success"))).to.have.length(2);
            await prober.runOnce();
            expect(await values(registry, "overlayprobe_success")).to.deep.equal({});
        });
    });
});
