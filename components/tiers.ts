/** The performance tiers: the rule lives with the policy pack (policies/lib/rules/tiers.ts), which ships it. */
export * from "../policies/lib/rules/tiers";
