/** The spread rule: which Swarm spread descriptors the scheduler honours. SwarmService and the pack share it. */

/**
 * True for a spread descriptor Swarm's scheduler acts on. Swarm only honours descriptors that start with
 * `node.labels.` or `engine.labels.`; anything else (such as the CLI's `spread=node.labels.zone`, which the provider
 * passes through verbatim) is accepted by the API and silently does nothing.
 */
export function isHonouredSpreadDescriptor(descriptor: unknown): boolean {
    return typeof descriptor === "string" && /^(node|engine)\.labels\.[^\s=]+$/i.test(descriptor);
}
