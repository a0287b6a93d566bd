import type { ResourceValidationPolicy } from "@pulumi/policy";
import { configWithDefaults } from "../lib/config";
import { validateTypes } from "../lib/policy";
import { MAX_MTU, MIN_MTU, mtuAllowed } from "../lib/rules/mtu";
import { NETWORK } from "../lib/types";

/** Docker's MTU option on overlay networks. */
export const MTU_OPTION = "com.docker.network.driver.mtu";

interface NetworkProps {
    name?: string;
    driver?: string;
    options?: Record<string, string>;
}

/** The network's MTU option as a number: `undefined` when unset (Docker uses 1500), `NaN` when unreadable. */
export function networkMtu(net: NetworkProps): number | undefined {
    const raw = net.options?.[MTU_OPTION];
    return raw === undefined ? undefined : /^\d+$/.test(String(raw)) ? Number(raw) : NaN;
}

interface Config {
    minMtu: number;
    maxMtu: number;
}

const configSchema = {
    properties: {
        minMtu: { type: "integer" as const, default: MIN_MTU, description: "Smallest MTU allowed (IPv6 needs 1280)." },
        maxMtu: { type: "integer" as const, default: MAX_MTU, description: "Largest MTU allowed (jumbo frames)." },
    },
};

/** Checks that overlay network MTUs are within what the underlay can carry. */
export const dockerNetworkConfigureMtu: ResourceValidationPolicy = {
    name: "docker-network-configure-mtu",
    description:
        "Checks that every overlay network's MTU option is a whole number within the allowed range (1280..9000 by default).",
    enforcementLevel: "mandatory",
    severity: "medium",
    remediationSteps:
        'Set `mtu` on the OverlayNetwork (options["com.docker.network.driver.mtu"]) to the underlay\'s MTU: 1500 on ordinary networks, up to 9000 only where every hop carries jumbo frames.',
    configSchema,
    validateResource: validateTypes<NetworkProps>([NETWORK], (net, args, report) => {
        if (net.driver !== "overlay") {
            return;
        }
        const { minMtu, maxMtu } = configWithDefaults<Config>(configSchema, args.getConfig());
        const mtu = networkMtu(net);
        if (mtu !== undefined && !mtuAllowed(mtu, minMtu, maxMtu)) {
            report(
                `Overlay network "${net.name ?? args.name}" must have an MTU between ${minMtu} and ${maxMtu}, got ${JSON.stringify(net.options?.[MTU_OPTION])}.`,
            );
        }
    }),
};
