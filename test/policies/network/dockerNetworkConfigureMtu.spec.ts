import { expect } from "chai";
import { MAX_MTU, MIN_MTU } from "../../../components/overlayNetwork";
import { dockerNetworkConfigureMtu as policy } from "../../../policies/network/dockerNetworkConfigureMtu";
import { NETWORK, overlayNetwork } from "../fixtures";
import { assertMetadata, assertNoViolations, assertViolations, resourceArgs } from "../util";

const withMtu = (mtu: string | undefined) => {
    const net = overlayNetwork();
    if (mtu === undefined) {
        delete net.options["com.docker.network.driver.mtu"];
    } else {
        net.options["com.docker.network.driver.mtu"] = mtu;
    }
    return net;
};

describe("docker-network-configure-mtu", () => {
    it("has the pack's metadata", () => assertMetadata(policy, "docker-network-configure-mtu", "mandatory"));

    it("uses the same bounds as the OverlayNetwork component", () => {
        const props = policy.configSchema!.properties;
        expect([(props.minMtu as any).default, (props.maxMtu as any).default]).to.deep.equal([MIN_MTU, MAX_MTU]);
    });

    it("passes 1500, the bounds themselves, and an unset MTU (Docker's 1500)", async () => {
        for (const mtu of ["1500", "1280", "9000", undefined]) {
            await assertNoViolations(policy, resourceArgs(policy, NETWORK, withMtu(mtu)));
        }
    });

    it("fails an MTU below 1280", async () => {
        await assertViolations(
            policy,
            resourceArgs(policy, NETWORK, withMtu("1200")),
            'Overlay network "sophia-overlay" must have an MTU between 1280 and 9000, got "1200".',
        );
    });

    it("fails an MTU above 9000", async () => {
        await assertViolations(
            policy,
            resourceArgs(policy, NETWORK, withMtu("9216")),
            'Overlay network "sophia-overlay" must have an MTU between 1280 and 9000, got "9216".',
        );
    });

    it("fails an MTU that is not a whole number", async () => {
        await assertViolations(
            policy,
            resourceArgs(policy, NETWORK, withMtu("jumbo")),
            'Overlay network "sophia-overlay" must have an MTU between 1280 and 9000, got "jumbo".',
        );
    });

    it("takes its bounds from config", async () => {
        await assertViolations(
            policy,
            resourceArgs(policy, NETWORK, withMtu("9000"), { config: { maxMtu: 1500 } }),
            'Overlay network "sophia-overlay" must have an MTU between 1280 and 1500, got "9000".',
        );
    });
});
