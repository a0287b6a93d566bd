import { dockerNetworkRequireEncryption as policy } from "../../../policies/network/dockerNetworkRequireEncryption";
import { NETWORK, overlayNetwork, SERVICE, appService } from "../fixtures";
import { assertMetadata, assertNoViolations, assertViolations, resourceArgs } from "../util";

describe("docker-network-require-encryption", () => {
    it("has the pack's metadata", () => assertMetadata(policy, "docker-network-require-encryption", "mandatory"));

    it("passes an encrypted overlay network", async () => {
        await assertNoViolations(policy, resourceArgs(policy, NETWORK, overlayNetwork()));
    });

    it("accepts the empty value `docker network create --opt encrypted` stores", async () => {
        const net = overlayNetwork();
        net.options.encrypted = "";
        await assertNoViolations(policy, resourceArgs(policy, NETWORK, net));
    });

    it("fails an overlay network without the encrypted option", async () => {
        const net = overlayNetwork();
        delete net.options.encrypted;
        await assertViolations(
            policy,
            resourceArgs(policy, NETWORK, net),
            'Overlay network "sophia-overlay" must be encrypted: set options.encrypted to "true".',
        );
    });

    it("fails an overlay network with no options at all, naming the resource when the network has no name", async () => {
        await assertViolations(
            policy,
            resourceArgs(policy, NETWORK, { driver: "overlay" }, { name: "backplane" }),
            'Overlay network "backplane" must be encrypted: set options.encrypted to "true".',
        );
    });

    it("ignores non-overlay networks and other resource types", async () => {
        await assertNoViolations(policy, resourceArgs(policy, NETWORK, { name: "local", driver: "bridge" }));
        await assertNoViolations(policy, resourceArgs(policy, SERVICE, appService()));
    });
});
