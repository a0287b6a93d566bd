/**
 * The stack configuration as the components take it. The schema (components/config/) defines every key, its default
 * and its checks; this module parses with it and reports problems as one `StackConfigError` whose lines each name the
 * key (`sophia-infra:<path>`), the problem and the fix.
 */
import { z } from "zod";
import { fallbackError, formatIssues, StackConfigError } from "./config/issues";
import { imageRef } from "./config/fields";
import { STACK_CONFIG_KEYS, stackConfigSchema } from "./config/schema";

export { PROJECT, StackConfigError } from "./config/issues";
export { ESC_SECRET_KEYS, GITHUB_SECRET_VALUES_KEY, SECRET_CONFIG_KEYS, SecretConfigKey } from "./config/secrets";
export { STACK_CONFIG_KEYS, stackConfigSchema };

/**
 * Raw config values by key, as `pulumi.Config.get` returns them (structured values as JSON text) or already parsed
 * (tests). Every key is optional: unset keys take their defaults.
 */
export type RawStackConfig = { readonly [K in (typeof STACK_CONFIG_KEYS)[number]]?: unknown };

/** The whole validated stack configuration, in plain types the components take. */
export type StackConfig = z.output<typeof stackConfigSchema>;
/** An application service from `sophia-infra:services`. */
export type AppServiceConfig = StackConfig["services"][number];
/** A network as validated. */
export type NetworkConfig = StackConfig["networks"][number];
/** A published port as validated. */
export type PortConfig = AppServiceConfig["publish"][number];
export type RedisConfig = StackConfig["redis"];
export type PostgresConfig = StackConfig["postgres"];
/** The monitoring section, validated. */
export type MonitoringConfig = StackConfig["monitoring"];
/** The runtime services' section, validated. */
export type RuntimeConfig = StackConfig["runtime"];
export type GithubConfig = StackConfig["github"];

/** Parses `raw` with `schema`; on failure throws a StackConfigError listing every problem. */
function parseOrThrow<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
    const result = schema.safeParse(raw, { error: fallbackError });
    if (!result.success) {
        throw new StackConfigError(formatIssues(result.error.issues));
    }
    return result.data;
}

/**
 * Validates the raw stack configuration and returns plain typed args for the components. Every error names the
 * config key (`sophia-infra:<key>`) and the fix.
 */
export function parseStackConfig(raw: RawStackConfig): StackConfig {
    return parseOrThrow(stackConfigSchema, raw);
}

/**
 * @internal Exported for testing. Accepts `repo:tag` with an explicit version tag, or `repo@sha256:<digest>`;
 * rejects `:latest` and untagged images, which make every deploy a different, unreviewed image.
 */
export function validateImage(key: string, image: unknown): string {
    return parseOrThrow(z.object({ [key]: imageRef() }), { [key]: image })[key];
}
