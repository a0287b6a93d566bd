/** Overlay network option keys: they live with the policy pack (policies/lib/rules/networkOptions.ts), which ships them. */
export * from "../policies/lib/rules/networkOptions";
