/**
 * Peer discovery: `tasks.<service>` on Docker's embedded DNS returns one A record per task of the prober on this
 * network. A reverse lookup of a task address gives its task name, `<service>.<node id>.<task id>` for a global
 * service (served from Swarm's control-plane gossip, so it works even when the data plane to that node is dead).
 */
import { isIPv4 } from "node:net";
import { networkInterfaces } from "node:os";

/** A peer task: its address on this network and, when known, its node. */
export interface Peer {
    readonly address: string;
    readonly node?: string;
}

/** The DNS calls discovery needs (node:dns/promises Resolver fits). */
export interface DnsClient {
    resolve4(name: string): Promise<string[]>;
    reverse(address: string): Promise<string[]>;
}

/** This container's own IPv4 addresses (never probed). */
export function ownAddresses(): Set<string> {
    const out = new Set<string>();
    for (const list of Object.values(networkInterfaces())) {
        for (const a of list ?? []) if (a.family === "IPv4") out.add(a.address);
    }
    return out;
}

/** The node id in a global task's name `<service>.<node id>.<task id>[.<network>]`, or undefined. */
export function nodeFromTaskName(name: string, service: string): string | undefined {
    if (!name.startsWith(`${service}.`)) return undefined;
    const parts = name.slice(service.length + 1).split(".");
    return parts.length >= 2 && /^[a-z0-9]{25}$/.test(parts[0]) ? parts[0] : undefined;
}

/**
 * A discovery function for `spec`: a comma-separated list of IPv4 addresses (fixed peers) or a DNS name
 * (`tasks.<service>`). Own addresses are left out.
 */
export function createDiscovery(
    spec: string,
    dns: DnsClient,
    self: () => Set<string> = ownAddresses,
): () => Promise<Peer[]> {
    const entries = spec
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
    if (entries.every((e) => isIPv4(e))) {
        return async () => {
            const mine = self();
            return entries.filter((a) => !mine.has(a)).map((address) => ({ address }));
        };
    }
    const name = entries[0];
    const service = name.replace(/^tasks\./, "");
    const nodes = new Map<string, string>();
    return async () => {
        let addresses: string[];
        try {
            addresses = await dns.resolve4(name);
        } catch {
            // No answer (e.g. only this task exists yet): no peers this round.
            return [];
        }
        const mine = self();
        const peers = addresses.filter((a) => !mine.has(a));
        for (const [addr] of nodes) if (!peers.includes(addr)) nodes.delete(addr);
        await Promise.all(
            peers
                .filter((a) => !nodes.has(a))
                .map(async (a) => {
                    const names = await dns.reverse(a).catch(() => [] as string[]);
                    const node = names.map((n) => nodeFromTaskName(n, service)).find(Boolean);
                    if (node) nodes.set(a, node);
                }),
        );
        return peers.map((address) => ({ address, node: nodes.get(address) }));
    };
}
