/** Durations: the rule lives with the policy pack (policies/lib/rules/durations.ts), which ships it. */
export * from "../policies/lib/rules/durations";
