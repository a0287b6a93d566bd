import type { ResourceValidationPolicy } from "@pulumi/policy";
import { validateTypes } from "../lib/policy";
import { NETWORK } from "../lib/types";

interface NetworkProps {
    name?: string;
    driver?: string;
    options?: Record<string, string>;
}

/** Checks that Swarm overlay networks encrypt traffic between nodes (IPsec). */
export const dockerNetworkRequireEncryption: ResourceValidationPolicy = {
    name: "docker-network-require-encryption",
    description: "Checks that every overlay network encrypts traffic between nodes (options.encrypted).",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        'Create the network with `OverlayNetwork` (encrypted by default) or set `options: { encrypted: "true" }` on the docker.Network, and allow ESP (IP protocol 50) between the nodes.',
    validateResource: validateTypes<NetworkProps>([NETWORK], (net, args, report) => {
        if (net.driver !== "overlay") {
            return;
        }
        const value = net.options?.encrypted;
        // `docker network create --opt encrypted` stores an empty value; the component writes "true".
        if (value !== "true" && value !== "") {
            report(`Overlay network "${net.name ?? args.name}" must be encrypted: set options.encrypted to "true".`);
        }
    }),
};
