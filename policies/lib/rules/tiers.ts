/**
 * The tier rule: the platform's performance tiers, how a tier resolves to Docker's numbers, and which tier/resources
 * pairs are allowed. The stack config resolves every service's resources here and the pack's tier policy checks
 * deployed services against the same table, so a service the config accepts is one the pack accepts.
 */
import { cpusToNano, parseBytes } from "./units";

/** The names of the built-in performance tiers, plus `custom` for services that declare their own numbers. */
export type TierName = "high" | "medium" | "low" | "custom";

/** The tiers a stack may override (every one but `custom`). */
export type StandardTierName = Exclude<TierName, "custom">;

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

/** CPU and memory in the units Docker uses. */
export interface DockerAmount {
    readonly nanoCpus: number;
    readonly memoryBytes: number;
}

/** A tier resolved to the units Docker uses. */
export interface ResolvedResources {
    /** Name of the tier these numbers came from (`custom` for per-service numbers). */
    readonly tier: TierName;
    readonly limits: DockerAmount;
    readonly reservations: DockerAmount;
}

/** The platform's standard tiers, from the original design. Stacks may override them (`sophia-infra:tiers`). */
export const DEFAULT_TIERS: Readonly<Record<StandardTierName, TierSpec>> = {
    high: { limits: { cpus: 2.0, memory: "4GiB" }, reservations: { cpus: 1.0, memory: "2GiB" } },
    medium: { limits: { cpus: 1.0, memory: "2GiB" }, reservations: { cpus: 0.5, memory: "1GiB" } },
    low: { limits: { cpus: 0.5, memory: "1GiB" }, reservations: { cpus: 0.25, memory: "512MiB" } },
};

/** Names a tier may have in config. */
export const TIER_NAMES: readonly TierName[] = ["high", "medium", "low", "custom"];

/** The tiers a stack may override. */
export const STANDARD_TIER_NAMES: readonly StandardTierName[] = ["high", "medium", "low"];

/**
 * What is wrong with a service's `tier` and `resources` together: a custom tier needs its own numbers
 * (`"missing"`), any other tier takes the tier's numbers and must not carry its own (`"unexpected"`).
 */
export function tierResourcesProblem(tier: TierName, hasResources: boolean): "missing" | "unexpected" | undefined {
    if (tier === "custom") {
        return hasResources ? undefined : "missing";
    }
    return hasResources ? "unexpected" : undefined;
}

/** True when reservations fit inside limits (otherwise Swarm could never schedule the task within its limits). */
export function reservationsFit(limits: DockerAmount, reservations: DockerAmount): boolean {
    return reservations.nanoCpus <= limits.nanoCpus && reservations.memoryBytes <= limits.memoryBytes;
}

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
    if (!reservationsFit(limits, reservations)) {
        throw new Error(
            `\`${where}\`: reservations must not exceed limits (Swarm could never schedule the task within its limits).`,
        );
    }
    return { tier, limits, reservations };
}

/** True when deployed limits and reservations are exactly the resolved tier's numbers. */
export function resourcesMatch(
    want: ResolvedResources,
    limits: Partial<DockerAmount> | undefined,
    reservations: Partial<DockerAmount> | undefined,
): boolean {
    return (
        limits?.nanoCpus === want.limits.nanoCpus &&
        limits?.memoryBytes === want.limits.memoryBytes &&
        reservations?.nanoCpus === want.reservations.nanoCpus &&
        reservations?.memoryBytes === want.reservations.memoryBytes
    );
}
