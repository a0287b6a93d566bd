import * as pulumi from "@pulumi/pulumi";
import { ConvergeArgs, PublishedPortArgs, SwarmServiceArgs } from "./swarmService";
import { ResolvedResources } from "./tiers";

/** What every runtime service built by this program takes: its image, size, placement and networking. */
export interface RuntimeServiceArgs {
    /** Image to run (the RuntimeImage's repoDigest). */
    readonly image: pulumi.Input<string>;
    readonly resources: ResolvedResources;
    /** Container port of its HTTP server (health, metrics). */
    readonly port?: number;
    readonly networks: pulumi.Input<string>[];
    readonly constraints?: string[];
    readonly endpointMode?: "vip" | "dnsrr";
    readonly ports?: PublishedPortArgs[];
    readonly converge?: ConvergeArgs;
    /** Extra non-secret environment. */
    readonly env?: Record<string, string>;
    /** Credentials to pull the image from a private registry. */
    readonly registryAuth?: SwarmServiceArgs["registryAuth"];
}

/**
 * How a runtime service runs: as its image's `node` user (uid from its contract), named explicitly rather than left to
 * the image; read-only root filesystem (it writes nothing but stdout and the network); no capability (unprivileged
 * port); Docker's init as PID 1, because Node does not reap orphaned children it did not spawn.
 */
export function runtimeHardening(uid: string): Pick<SwarmServiceArgs, "user" | "init"> {
    return { user: `${uid}:${uid}`, init: true };
}
