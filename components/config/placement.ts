/** Schemas for where and how big a service runs: tiers, resources, networks, constraints and published ports. */
import { z } from "zod";
import { hasGpuPlacement, GPU_CONSTRAINT } from "../../policies/lib/rules/gpuPlacement";
import {
    reservationsFit,
    STANDARD_TIER_NAMES,
    TIER_NAMES,
    TierName,
    tierResourcesProblem,
} from "../../policies/lib/rules/tiers";
import { cpusToNano, parseBytes } from "../../policies/lib/rules/units";
import { fix } from "./issues";
import { imageRef, memorySize, port, stringList, text, wholeNumber } from "./fields";

const amount = z.strictObject({
    cpus: z
        .number({ error: fix("Use a positive number of CPUs (for example 0.5).") })
        .positive({ error: fix("Use a positive number of CPUs (for example 0.5).") }),
    // A byte count is kept as its digits: the tier table is written with size strings.
    memory: memorySize().transform(String),
});

const dockerAmount = (a: z.output<typeof amount>) => ({
    nanoCpus: cpusToNano(a.cpus),
    memoryBytes: parseBytes(a.memory)!,
});

/** `{limits: {cpus, memory}, reservations: {cpus, memory}}`, reservations within limits. */
export const tierSpec = z
    .strictObject(
        { limits: amount, reservations: amount },
        { error: fix("Give `{limits: {cpus, memory}, reservations: {cpus, memory}}`.") },
    )
    .superRefine((spec, ctx) => {
        const limits = dockerAmount(spec.limits);
        const reservations = dockerAmount(spec.reservations);
        // An unreadable size is reported on its own key; comparing it would only add a second, vaguer message.
        const readable = [limits, reservations].every((a) => Number.isFinite(a.memoryBytes) && a.nanoCpus > 0);
        if (readable && !reservationsFit(limits, reservations)) {
            ctx.addIssue({
                code: "custom",
                input: undefined,
                message:
                    "has reservations above its limits. Lower the reservations or raise the limits (Swarm could never schedule the task within its limits).",
            });
        }
    });

/** `sophia-infra:tiers`: overrides of the standard tiers, one by one. */
export const tierOverrides = z.strictObject(
    Object.fromEntries(STANDARD_TIER_NAMES.map((t) => [t, tierSpec.optional()])) as Record<
        "high" | "medium" | "low",
        z.ZodOptional<typeof tierSpec>
    >,
    {
        error: (iss) =>
            iss.code === "unrecognized_keys"
                ? `overrides ${iss.keys.map((k) => `"${k}"`).join(", ")}, which is not a tier that can be overridden. Override high, medium or low; use \`tier: custom\` with \`resources\` on the service for other numbers.`
                : undefined,
    },
);

/** A tier name. */
export const tierName = () =>
    z.enum(TIER_NAMES as [TierName, ...TierName[]], {
        error: fix(
            `Use one of: ${TIER_NAMES.join(", ")} (custom needs \`resources: {limits, reservations}\`).`,
            ": unknown tier",
        ),
    });

/** A published port: a number (same inside and out) or `{target, published}`. */
export const publishedPort = z.preprocess(
    (v) => (typeof v === "number" || (typeof v === "string" && /^\d+$/.test(v)) ? { target: v, published: v } : v),
    z.strictObject(
        { target: port(), published: port() },
        {
            error: (iss) =>
                iss.code === "invalid_type" ? fix("Use a port number or {target, published}.")(iss) : undefined,
        },
    ),
);

/** The fields every placed service entry has; `image`/`tier` defaults where the platform picks one. */
export function placedFields(defaults: { image?: string; tier?: TierName }) {
    return {
        image: defaults.image ? imageRef().default(defaults.image) : imageRef(),
        tier: defaults.tier ? tierName().default(defaults.tier) : tierName(),
        resources: tierSpec.optional(),
        networks: z
            .array(text("Name a network of `sophia-infra:networks`."), {
                error: fix("Set it to a list of network names."),
            })
            .min(1, { error: "is empty. Attach the service to at least one overlay network of the stack." })
            .optional(),
        constraints: stringList().default([]),
        publish: z
            .array(publishedPort, { error: fix("Set it to a list of ports or {target, published}.") })
            .default([]),
    };
}

/** The fields of a runtime service (built by this program): its size, replicas, ports, placement and extra env. */
export function runtimeFields(defaults: { tier: TierName; replicas: number; port: number }) {
    return {
        tier: tierName().default(defaults.tier),
        resources: tierSpec.optional(),
        replicas: wholeNumber(1).default(defaults.replicas),
        port: port().default(defaults.port),
        publish: port().optional(),
        constraints: stringList().default([]),
    };
}

/** The tier rule on an entry: custom needs `resources`, any other tier must not carry them. */
export function checkTierResources(entry: { tier: TierName; resources?: unknown }, ctx: z.RefinementCtx): void {
    const problem = tierResourcesProblem(entry.tier, entry.resources !== undefined);
    if (problem === "missing") {
        ctx.addIssue({
            code: "custom",
            path: ["resources"],
            input: undefined,
            message:
                "is missing for a custom tier. Give `resources: {limits: {cpus, memory}, reservations: {cpus, memory}}`.",
        });
    } else if (problem === "unexpected") {
        ctx.addIssue({
            code: "custom",
            path: ["resources"],
            input: undefined,
            message: `is set but the tier is ${entry.tier}. Set \`tier: custom\` to give per-service numbers, or remove \`resources\`.`,
        });
    }
}

/** The GPU placement rule on an entry: `gpus` needs the GPU node constraint. */
export function checkGpuPlacement(entry: { gpus: number; constraints: string[] }, ctx: z.RefinementCtx): void {
    if (entry.gpus > 0 && !hasGpuPlacement(entry.constraints)) {
        ctx.addIssue({
            code: "custom",
            path: ["constraints"],
            input: undefined,
            message: `has no GPU placement constraint although \`gpus\` is ${entry.gpus}. Add "${GPU_CONSTRAINT}" so tasks only land on nodes that have GPUs.`,
        });
    }
}
