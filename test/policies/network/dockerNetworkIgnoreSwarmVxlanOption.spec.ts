import { expect } from "chai";
import { VXLAN_IGNORE_CHANGES_PATH } from "../../../components/networkOptions";
import { dockerNetworkIgnoreSwarmVxlanOption as policy } from "../../../policies/network/dockerNetworkIgnoreSwarmVxlanOption";
import { NETWORK, overlayNetwork } from "../fixtures";
import { assertMetadata, assertNoViolations, assertViolations, resourceArgs } from "../util";

describe("docker-network-ignore-swarm-vxlan-option", () => {
    it("has the pack's metadata", () =>
        assertMetadata(policy, "docker-network-ignore-swarm-vxlan-option", "mandatory"));

    it("passes an overlay that ignores only the option Swarm adds", async () => {
        expect(VXLAN_IGNORE_CHANGES_PATH).to.equal('options["com.docker.network.driver.overlay.vxlanid_list"]');
        await assertNoViolations(
            policy,
            resourceArgs(policy, NETWORK, overlayNetwork(), { ignoreChanges: [VXLAN_IGNORE_CHANGES_PATH] }),
        );
    });

    it("does not apply to bridge networks", async () => {
        await assertNoViolations(policy, resourceArgs(policy, NETWORK, { ...overlayNetwork(), driver: "bridge" }));
    });

    it("fails an overlay without the ignoreChanges entry", async () => {
        await assertViolations(
            policy,
            resourceArgs(policy, NETWORK, overlayNetwork()),
            `Overlay network "sophia-overlay" must set ignoreChanges: ['options["com.docker.network.driver.overlay.vxlanid_list"]'], or every \`up\` after the first replaces it and every service attached to it.`,
        );
    });

    it("fails an overlay that ignores every option (an MTU or encryption change would be lost)", async () => {
        for (const path of ["options", "*"]) {
            await assertViolations(
                policy,
                resourceArgs(policy, NETWORK, overlayNetwork(), { ignoreChanges: [path, VXLAN_IGNORE_CHANGES_PATH] }),
                'Overlay network "sophia-overlay" must not ignore changes to all its options: an MTU or encryption change would then never reach Docker. Ignore only options["com.docker.network.driver.overlay.vxlanid_list"].',
            );
        }
    });
});
