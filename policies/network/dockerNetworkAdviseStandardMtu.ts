import type { ResourceValidationPolicy } from "@pulumi/policy";
import { configWithDefaults } from "../lib/config";
import { validateTypes } from "../lib/policy";
import { NETWORK } from "../lib/types";
import { MTU_OPTION, networkMtu } from "./dockerNetworkConfigureMtu";

interface Config {
    standardMtu: number;
}

const configSchema = {
    properties: {
        standardMtu: {
            type: "integer" as const,
            default: 1500,
            description: "Largest MTU that needs no jumbo-frame underlay.",
        },
    },
};

/** Warns about jumbo-frame MTUs, which only work when every hop between the nodes carries them. */
export const dockerNetworkAdviseStandardMtu: ResourceValidationPolicy = {
    name: "docker-network-advise-standard-mtu",
    description:
        "Checks that overlay networks use a standard MTU (at most 1500 by default); larger MTUs need an underlay that carries jumbo frames.",
    enforcementLevel: "advisory",
    severity: "low",
    remediationSteps:
        "Confirm that every switch and NIC between the Swarm nodes carries jumbo frames, or lower the network's `mtu` to 1500.",
    configSchema,
    validateResource: validateTypes<{ name?: string; driver?: string; options?: Record<string, string> }>(
        [NETWORK],
        (net, args, report) => {
            if (net.driver !== "overlay") {
                return;
            }
            const { standardMtu } = configWithDefaults<Config>(configSchema, args.getConfig());
            const mtu = networkMtu(net);
            if (mtu !== undefined && mtu > standardMtu) {
                report(
                    `Overlay network "${net.name ?? args.name}" uses MTU ${net.options?.[MTU_OPTION]}, above ${standardMtu}: jumbo frames must be carried by every hop of the underlay.`,
                );
            }
        },
    ),
};
