import { expect } from "chai";
import { installMocks, promiseOf, resourceNamed, settled } from "../support/pulumiMocks";

describe("OverlayNetwork", () => {
    let mod: typeof import("../../components/overlayNetwork");
    before(async () => {
        await installMocks();
        mod = await import("../../components/overlayNetwork");
    });

    it("creates an encrypted, attachable overlay with the MTU option", async () => {
        const net = new mod.OverlayNetwork("t-perf", { networkName: "t-performance", mtu: 9000 });
        expect(await promiseOf(net.id)).to.equal("t-perf-network-id");
        await settled();
        const { inputs } = resourceNamed("docker:index/network:Network", "t-perf-network");
        expect(inputs).to.include({ name: "t-performance", driver: "overlay", attachable: true, internal: false });
        expect(inputs.options).to.deep.equal({ encrypted: "true", "com.docker.network.driver.mtu": "9000" });
    });

    it("leaves the encrypted key out entirely when encryption is turned off", async () => {
        new mod.OverlayNetwork("t-plain", { networkName: "t-plain", encrypted: false });
        await settled();
        const { inputs } = resourceNamed("docker:index/network:Network", "t-plain-network");
        expect(inputs.options).to.deep.equal({ "com.docker.network.driver.mtu": "1500" });
    });

    it("rejects an MTU outside 1280..9000", () => {
        expect(() => new mod.OverlayNetwork("t-bad", { networkName: "t-bad", mtu: 9216 })).to.throw(
            "`mtu` must be an integer between 1280 and 9000",
        );
        expect(() => mod.validateMtu(1279)).to.throw(/between 1280 and 9000/);
        expect(() => mod.validateMtu(1280)).to.not.throw();
    });
});
