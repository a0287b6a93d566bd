import type { PolicyConfigSchema } from "@pulumi/policy";

/**
 * The policy's config with the schema's defaults filled in. The Pulumi CLI applies `configSchema` defaults itself,
 * but the SDK's `getConfig()` does not (and neither does a hand-built args object), so every policy merges them.
 */
export function configWithDefaults<T extends object>(
    schema: PolicyConfigSchema | undefined,
    given: object | undefined,
): T {
    const out: Record<string, unknown> = {};
    for (const [key, prop] of Object.entries(schema?.properties ?? {})) {
        if (prop.default !== undefined) {
            out[key] = prop.default;
        }
    }
    for (const [key, value] of Object.entries(given ?? {})) {
        if (value !== undefined && key !== "enforcementLevel") {
            out[key] = value;
        }
    }
    return out as T;
}
