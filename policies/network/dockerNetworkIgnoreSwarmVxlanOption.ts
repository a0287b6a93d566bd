import type { ResourceValidationPolicy } from "@pulumi/policy";
import { SWARM_VXLAN_OPTION, VXLAN_IGNORE_CHANGES_PATH } from "../lib/rules/networkOptions";
import { validateTypes } from "../lib/policy";
import { NETWORK } from "../lib/types";

interface NetworkProps {
    name?: string;
    driver?: string;
}

/** True for an ignoreChanges path that covers every option (so also the MTU and encryption). */
const coversAllOptions = (p: string) => p === "*" || p === "options" || p === "options.*" || p === "options[*]";

/**
 * Checks that overlay networks ignore the one option Swarm adds, and only that one: the provider stores the
 * `vxlanid_list` Docker reports, the options map is ForceNew, so without it every `up` replaces the network and every
 * service attached to it.
 */
export const dockerNetworkIgnoreSwarmVxlanOption: ResourceValidationPolicy = {
    name: "docker-network-ignore-swarm-vxlan-option",
    description: `Checks that every overlay network sets ignoreChanges on exactly options["${SWARM_VXLAN_OPTION}"] (never on all options), so a second \`pulumi up\` does not replace it.`,
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: `Create the network with \`OverlayNetwork\`, or add \`ignoreChanges: ['${VXLAN_IGNORE_CHANGES_PATH}']\` to the docker.Network's resource options; do not ignore \`options\` as a whole, so an MTU or encryption change still replaces the network.`,
    validateResource: validateTypes<NetworkProps>([NETWORK], (net, args, report) => {
        if (net.driver !== "overlay") {
            return;
        }
        const name = net.name ?? args.name;
        const ignored = args.opts?.ignoreChanges ?? [];
        if (ignored.some(coversAllOptions)) {
            report(
                `Overlay network "${name}" must not ignore changes to all its options: an MTU or encryption change would then never reach Docker. Ignore only ${VXLAN_IGNORE_CHANGES_PATH}.`,
            );
            return;
        }
        if (!ignored.includes(VXLAN_IGNORE_CHANGES_PATH)) {
            report(
                `Overlay network "${name}" must set ignoreChanges: ['${VXLAN_IGNORE_CHANGES_PATH}'], or every \`up\` after the first replaces it and every service attached to it.`,
            );
        }
    }),
};
