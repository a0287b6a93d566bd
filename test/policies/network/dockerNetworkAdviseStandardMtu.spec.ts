import { dockerNetworkAdviseStandardMtu as policy } from "../../../policies/network/dockerNetworkAdviseStandardMtu";
import { NETWORK, overlayNetwork } from "../fixtures";
import { assertMetadata, assertNoViolations, assertViolations, resourceArgs } from "../util";

describe("docker-network-advise-standard-mtu", () => {
    it("is advisory and has the pack's metadata", () =>
        assertMetadata(policy, "docker-network-advise-standard-mtu", "advisory"));

    it("passes a standard 1500 MTU", async () => {
        await assertNoViolations(policy, resourceArgs(policy, NETWORK, overlayNetwork()));
    });

    it("warns about jumbo frames above 1500", async () => {
        const net = overlayNetwork();
        net.options["com.docker.network.driver.mtu"] = "9000";
        await assertViolations(
            policy,
            resourceArgs(policy, NETWORK, net),
            'Overlay network "sophia-overlay" uses MTU 9000, above 1500: jumbo frames must be carried by every hop of the underlay.',
        );
    });

    it("takes the standard MTU from config", async () => {
        const net = overlayNetwork();
        net.options["com.docker.network.driver.mtu"] = "9000";
        await assertNoViolations(policy, resourceArgs(policy, NETWORK, net, { config: { standardMtu: 9000 } }));
    });
});
