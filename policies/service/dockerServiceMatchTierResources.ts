import type { ResourceValidationPolicy } from "@pulumi/policy";
import { DEFAULT_TIERS, resolveTierSpec, TIER_NAMES, TierName, TierSpec } from "../lib/rules/tiers";
import { configWithDefaults } from "../lib/config";
import { validateService } from "../lib/policy";
import { serviceLabels } from "../lib/service";
import { formatBytes } from "../lib/sizes";
import { TIER_LABEL } from "../lib/types";

type Tiers = Record<Exclude<TierName, "custom">, TierSpec>;
interface Config {
    tiers: Tiers;
}

const amountSchema = {
    type: "object" as const,
    properties: { cpus: { type: "number" as const }, memory: { type: "string" as const } },
    required: ["cpus", "memory"],
};
const tierSchema = {
    type: "object" as const,
    properties: { limits: amountSchema, reservations: amountSchema },
    required: ["limits", "reservations"],
};
const configSchema = {
    properties: {
        tiers: {
            type: "object" as const,
            description:
                "Tier overrides, same shape as the stack's `sophia-infra:tiers` config ({high|medium|low: {limits, reservations}}); set it to the stack's overrides.",
            properties: { high: tierSchema, medium: tierSchema, low: tierSchema },
            default: DEFAULT_TIERS,
        },
    },
};

const describe = (nanoCpus: number | undefined, memoryBytes: number | undefined) =>
    `${nanoCpus === undefined ? "?" : nanoCpus / 1e9} CPUs/${memoryBytes === undefined ? "?" : formatBytes(memoryBytes)}`;

/** Checks that each service's resources are exactly those of the tier its `sophia.tier` label declares. */
export const dockerServiceMatchTierResources: ResourceValidationPolicy = {
    name: "docker-service-match-tier-resources",
    description:
        "Checks that every service carries a sophia.tier label and, unless the tier is custom, limits and reservations equal to that tier's numbers.",
    enforcementLevel: "mandatory",
    severity: "medium",
    remediationSteps:
        "Build the service's `resources` with the tier resolver (components/tiers.ts) for the tier it is labelled with, or label it `custom` when it needs its own numbers; if the stack overrides tiers, set the same table in this policy's `tiers` config.",
    configSchema,
    validateResource: validateService((svc, name, args, report) => {
        const tier = serviceLabels(svc)[TIER_LABEL];
        if (tier === undefined) {
            report(`Service "${name}" must carry a ${TIER_LABEL} label (${TIER_NAMES.join(", ")}).`);
            return;
        }
        if (!(TIER_NAMES as readonly string[]).includes(tier)) {
            report(
                `Service "${name}" must use a known tier in its ${TIER_LABEL} label (${TIER_NAMES.join(", ")}), got "${tier}".`,
            );
            return;
        }
        if (tier === "custom") {
            return;
        }
        // Like the stack's `sophia-infra:tiers`, the config overrides tiers one by one; unset tiers keep the standard.
        const tiers = { ...DEFAULT_TIERS, ...configWithDefaults<Config>(configSchema, args.getConfig()).tiers };
        const spec = tiers[tier as keyof Tiers];
        if (!spec) {
            throw new Error(
                `Policy config \`docker-service-match-tier-resources.tiers.${tier}\` is missing; define the ${tier} tier's limits and reservations.`,
            );
        }
        const want = resolveTierSpec(tier as TierName, spec, `docker-service-match-tier-resources.tiers.${tier}`);
        const limits = svc.taskSpec?.resources?.limits;
        const reservation = svc.taskSpec?.resources?.reservation;
        const matches =
            limits?.nanoCpus === want.limits.nanoCpus &&
            limits?.memoryBytes === want.limits.memoryBytes &&
            reservation?.nanoCpus === want.reservations.nanoCpus &&
            reservation?.memoryBytes === want.reservations.memoryBytes;
        if (!matches) {
            report(
                `Service "${name}" must match tier "${tier}" (limits ${describe(want.limits.nanoCpus, want.limits.memoryBytes)}, reservations ${describe(want.reservations.nanoCpus, want.reservations.memoryBytes)}), got limits ${describe(limits?.nanoCpus, limits?.memoryBytes)}, reservations ${describe(reservation?.nanoCpus, reservation?.memoryBytes)}.`,
            );
        }
    }),
};
