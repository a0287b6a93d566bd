import { cpusToNano, parseBytes } from "./units";

/** The names of the built-in performance tiers, plus `custom` for services that declare their own numbers. */
export type TierName = "high" | "medium" | "low" | "custom";

/** CPU and memory as written in config: `cpus` as a number, `memory` as a size string such as `4GiB`. */
export interface ResourceAmount {
    readonly cpus: number;
    readonly memory: string;
}

/** A tier as written in config. */
export interface TierSpec {
    readonly limits: ResourceAmount;
    readonly reservations: ResourceAmount;
}

/** A tier resolved to the units Docker uses. */
export interface ResolvedResources {
    /** Name of the tier these numbers came from (`custom` for per-service numbers). */
    readonly tier: TierName;
    readonly limits: { readonly nanoCpus: number; readonly memoryBytes: number };
    readonly reservations: { readonly nanoCpus: number; readonly memoryBytes: number };
}

/** The platform's standard tiers, from the original design. Stacks may override them (`sophia-infra:tiers`). */
export const DEFAULT_TIERS: Readonly<Record<Exclude<TierName, "custom">, TierSpec>> = {
    high: { limits: { cpus: 2.0, memory: "4GiB" }, reservations: { cpus: 1.0, memory: "2GiB" } },
    medium: { limits: { cpus: 1.0, memory: "2GiB" }, reservations: { cpus: 0.5, memory: "1GiB" } },
    low: { limits: { cpus: 0.5, memory: "1GiB" }, reservations: { cpus: 0.25, memory: "512MiB" } },
};

/** Names a tier may have in config. */
export const TIER_NAMES: readonly TierName[] = ["high", "medium", "low", "custom"];

/**
 * Turns a tier spec into nano-CPUs and bytes, checking that reservations fit inside limits.
 * `where` names the config key in error messages.
 */
export function resolveTierSpec(tier: TierName, spec: TierSpec, where: string): ResolvedResources {
    const amount = (a: ResourceAmount | undefined, part: string) => {
        if (!a || typeof a.cpus !== "number" || !(a.cpus > 0)) {
            throw new Error(`\`${where}.${part}.cpus\` must be a positive number of CPUs (for example 0.5).`);
        }
        const memoryBytes = parseBytes(a.memory);
        if (memoryBytes === undefined) {
            throw new Error(
                `\`${where}.${part}.memory\` must be a size such as "512MiB" or "4GiB", got ${JSON.stringify(a.memory)}.`,
            );
        }
        return { nanoCpus: cpusToNano(a.cpus), memoryBytes };
    };
    const limits = amount(spec?.limits, "limits");
    const reservations = amount(spec?.reservations, "reservations");
    if (reservations.nanoCpus > limits.nanoCpus || reservations.memoryBytes > limits.memoryBytes) {
        throw new Error(
            `\`${where}\`: reservations must not exceed limits (Swarm could never schedule the task within its limits).`,
        );
    }
    return { tier, limits, reservations };
}
