/** Swarm placement rules: they live with the policy pack (policies/lib/rules/spread.ts), which ships them. */
export * from "../policies/lib/rules/spread";
