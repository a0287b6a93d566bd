import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ENCRYPTED_OPTION, MTU_OPTION, VXLAN_IGNORE_CHANGES_PATH } from "./networkOptions";

import { MAX_MTU, MIN_MTU, mtuAllowed } from "../policies/lib/rules/mtu";

export { MAX_MTU, MIN_MTU };

export interface OverlayNetworkArgs {
    /** Docker network name (the name services and people see). */
    readonly networkName: string;
    /** Underlay MTU written to `com.docker.network.driver.mtu`; containers get 50 less (VXLAN), 26 more less when encrypted. Defaults to 1500. */
    readonly mtu?: number;
    /** Encrypt traffic between nodes with IPsec (ESP must be allowed between nodes). Defaults to true. */
    readonly encrypted?: boolean;
    /** Internal networks have no route outside the swarm. Defaults to false. */
    readonly internal?: boolean;
    /** Lets standalone containers (and tests) attach. Defaults to true. */
    readonly attachable?: boolean;
    /** Extra labels. */
    readonly labels?: Record<string, string>;
}

/** @internal Exported for testing. Throws when the MTU is outside what an overlay can carry. */
export function validateMtu(mtu: number, where = "mtu"): void {
    if (!mtuAllowed(mtu)) {
        throw new Error(
            `\`${where}\` must be an integer between ${MIN_MTU} and ${MAX_MTU} (the underlay MTU; 1500 for ordinary networks, 9000 only where every hop carries jumbo frames), got ${mtu}.`,
        );
    }
}

/** A Swarm overlay network, encrypted by default, with an explicit MTU. */
export class OverlayNetwork extends pulumi.ComponentResource {
    /** Network id: attach services by id (attaching by name makes every run show a diff). */
    public readonly id: pulumi.Output<string>;
    /** Network name. */
    public readonly networkName: pulumi.Output<string>;

    constructor(name: string, args: OverlayNetworkArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("sophia:swarm:OverlayNetwork", name, {}, opts);
        const mtu = args.mtu ?? 1500;
        validateMtu(mtu);
        const encrypted = args.encrypted ?? true;

        const options: Record<string, string> = { [MTU_OPTION]: String(mtu) };
        // libnetwork only checks that the key exists, so an unencrypted network must leave it out entirely.
        if (encrypted) {
            options[ENCRYPTED_OPTION] = "true";
        }
        const labels = { "sophia.network": args.networkName, ...(args.labels ?? {}) };
        const network = new docker.Network(
            `${name}-network`,
            {
                name: args.networkName,
                driver: "overlay",
                attachable: args.attachable ?? true,
                internal: args.internal ?? false,
                options,
                labels: Object.entries(labels).map(([label, value]) => ({ label, value })),
            },
            // Swarm adds its VXLAN id to the options; ignore that key alone so a second `up` keeps the network (and
            // every service attached to it), while an MTU or encryption change still replaces it.
            { parent: this, ignoreChanges: [VXLAN_IGNORE_CHANGES_PATH] },
        );

        this.id = network.id;
        this.networkName = network.name;
        this.registerOutputs({ id: this.id, networkName: this.networkName });
    }
}
