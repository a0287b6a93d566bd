import { expect } from "chai";
import { OVERLAY_PROBE_ENV as ENV, OVERLAY_PROBE_PORTS as PORTS } from "../../../runtime/overlay-probe/src/contract";
import { createUnderlay, ProberProcess, scrape, startProber, Underlay, waitFor } from "./netns";

/** The sample key of a path metric as the exposition prints it. */
const key = (metric: string, src: string, dst: string, size: string) =>
    `overlayprobe_${metric}{network="testnet",src="${src}",dst="${dst}",size="${size}"}`;

describe("overlay-probe over real sockets (network namespaces)", function () {
    this.timeout(180000);
    let net: Underlay;
    let a: ProberProcess;
    let b: ProberProcess;
    const NOBODY = "10.231.1.3";

    const env = (node: string, peers: string): Record<string, string> => ({
        [ENV.network]: "testnet",
        [ENV.node]: node,
        [ENV.peers]: peers,
        // Container MTU of a 9000 plain overlay: at least one full 9000-byte frame each way.
        [ENV.fullBytes]: "8950",
        [ENV.plannedMtu]: "9000",
        [ENV.intervalMs]: "1000",
        [ENV.timeoutMs]: "500",
    });
    const fromA = () => scrape(net.a, net.addrA, PORTS.http);
    const fromB = () => scrape(net.b, net.addrB, PORTS.http);
    const path = (samples: Map<string, number> | undefined, src: string, dst: string) => ({
        small: samples?.get(key("success", src, dst, "small")),
        full: samples?.get(key("success", src, dst, "full")),
    });

    before(async () => {
        net = await createUnderlay("p");
        a = startProber(net.a, env("node-a", `${net.addrA},${net.addrB},${NOBODY}`));
        b = startProber(net.b, env("node-b", `${net.addrA},${net.addrB}`));
    });
    after(async () => {
        await Promise.all([a?.stop(), b?.stop()]);
        await net?.teardown();
    });

    it("reports both sizes passing between healthy peers, labelled with the node that answered", async () => {
        // Generous: two ts-node processes start here, slowly on a loaded machine.
        const s = await waitFor(90000, fromA, (m) => path(m, "node-a", "node-b").full === 1);
        expect(path(s, "node-a", "node-b"), a.output()).to.deep.equal({ small: 1, full: 1 });
        expect(s.get(key("rtt_seconds", "node-a", "node-b", "full")))
            .to.be.greaterThan(0)
            .and.lessThan(0.5);
        const last = s.get(key("last_success_timestamp_seconds", "node-a", "node-b", "small"))!;
        expect(Math.abs(last - Date.now() / 1000)).to.be.lessThan(10);
        expect(s.get(`overlayprobe_network_info{network="testnet",planned_mtu="9000",full_bytes="8950"}`)).to.equal(1);
        const t = await waitFor(60000, fromB, (m) => path(m, "node-b", "node-a").full === 1);
        expect(path(t, "node-b", "node-a")).to.deep.equal({ small: 1, full: 1 });
    });

    it("labels a peer that never answered (and has no DNS name) by its address, and reports it failed", async () => {
        // The full-size result is recorded after the small one of the same round: wait for it, not the small one.
        const s = await waitFor(20000, fromA, (m) => path(m, "node-a", NOBODY).full === 0);
        expect(path(s, "node-a", NOBODY)).to.deep.equal({ small: 0, full: 0 });
        expect(s.get(`overlayprobe_peers{network="testnet",src="node-a"}`)).to.equal(2);
    });

    it("reports an MTU black hole: small probes pass, full-size probes fail, both ways, and recover", async () => {
        await net.setBridgePortMtu(1500);
        const s = await waitFor(20000, fromA, (m) => path(m, "node-a", "node-b").full === 0);
        expect(path(s, "node-a", "node-b")).to.deep.equal({ small: 1, full: 0 });
        const t = await waitFor(20000, fromB, (m) => path(m, "node-b", "node-a").full === 0);
        expect(path(t, "node-b", "node-a")).to.deep.equal({ small: 1, full: 0 });

        await net.setBridgePortMtu(9000);
        const u = await waitFor(20000, fromA, (m) => path(m, "node-a", "node-b").full === 1);
        expect(path(u, "node-a", "node-b")).to.deep.equal({ small: 1, full: 1 });
    });

    it("reports a path down when the peer drops packets, and recovers when it stops", async () => {
        await net.dropAtB(PORTS.probe, true);
        try {
            const s = await waitFor(20000, fromA, (m) => path(m, "node-a", "node-b").full === 0);
            expect(path(s, "node-a", "node-b")).to.deep.equal({ small: 0, full: 0 });
        } finally {
            await net.dropAtB(PORTS.probe, false);
        }
        const u = await waitFor(20000, fromA, (m) => path(m, "node-a", "node-b").small === 1);
        expect(path(u, "node-a", "node-b").small).to.equal(1);
    });
});
