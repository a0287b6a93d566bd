/** The field schemas every config section is built from, each with its own problem-and-fix wording. */
import { z } from "zod";
import { durationMs } from "../../policies/lib/rules/durations";
import { isSecretLookingName } from "../../policies/lib/rules/secretNames";
import { parseBytes } from "../../policies/lib/rules/units";
import { fix, fixRedacted, kindOf, shown } from "./issues";

/** A non-empty string. */
export const text = (fixText = "Set it to a non-empty string.") =>
    z.string({ error: fix(fixText) }).min(1, { error: fix(fixText) });

/** `true` or `false`. */
export const flag = () => z.boolean({ error: fix("Use true or false.") });

/** A whole number in `[min, max]`; digit strings are read as numbers (config set from the CLI arrives as text). */
export function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER) {
    const wording = fix(`Set a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ""}.`);
    return z.preprocess(
        (v) => (typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v),
        z.number({ error: wording }).int({ error: wording }).min(min, { error: wording }).max(max, { error: wording }),
    );
}

/** A TCP port. */
export const port = () => wholeNumber(1, 65535);

/** A list of strings (placement constraints, spread preferences). */
export const stringList = () =>
    z.array(z.string({ error: fix("Use a string.") }), { error: fix("Set it to a list of strings.") });

/** A Go/Docker duration, read by the shared duration rule. */
export const duration = () =>
    z
        .string({ error: fix('Use a duration such as "7s" or "3m".') })
        .refine((v) => durationMs(v) !== undefined, { error: fix('Use a duration such as "7s" or "3m".') });

/** A memory size ("512MiB", "4gb" or a byte count), read by the shared units rule. */
export const memorySize = (example = '"512MiB" or "4GiB"') =>
    z
        .union([z.string(), z.number()], { error: fix(`Use a size such as ${example}.`) })
        .refine((v) => parseBytes(v) !== undefined, { error: fix(`Use a size such as ${example}.`) });

/** An http(s) URL. */
export const httpUrl = (example: string) =>
    text(`Set an http(s) URL such as ${example}.`).refine((v) => /^https?:\/\/[^\s/]+/.test(v), {
        error: fix(`Set an http(s) URL such as ${example}.`),
    });

/** A host name or address without scheme, port or path. */
export const hostName = () =>
    text("Set a host name such as localhost or platform.example.com.").refine(
        (v) => /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$|^\[[0-9A-Fa-f:.]+\]$/.test(v),
        { error: fix("Set a bare host name or address (no scheme, port or path), e.g. platform.example.com.") },
    );

/**
 * A container image pinned to an explicit version tag (`repo:1.2.3`) or a digest (`repo@sha256:...`). `:latest` and
 * untagged images make every deploy a different, unreviewed image.
 */
export const imageRef = () =>
    text('Pin an explicit version tag (e.g. "redis:7.2.5") or a digest ("repo@sha256:...").').superRefine(
        (ref, ctx) => {
            const problem = imageProblem(ref);
            if (problem) {
                ctx.addIssue({ code: "custom", input: ref, message: `is ${shown(ref)}${problem}` });
            }
        },
    );

/** Why an image reference is not pinned (the message tail after the value), or undefined when it is. */
export function imageProblem(ref: string): string | undefined {
    if (/@sha256:[a-f0-9]{64}$/.test(ref)) {
        return undefined;
    }
    const lastSegment = ref.slice(ref.lastIndexOf("/") + 1);
    const colon = lastSegment.lastIndexOf(":");
    const tag = colon >= 0 ? lastSegment.slice(colon + 1) : "";
    if (!tag) {
        return ' with no tag. Pin an explicit version tag (e.g. "redis:7.2.5") or a digest ("repo@sha256:...").';
    }
    if (tag === "latest") {
        return ". Do not deploy `:latest`; pin an explicit version tag or a digest.";
    }
    return undefined;
}

/**
 * Plain (non-secret) environment variables: string values, and no name that the secret-name rule says carries a
 * secret. Values are never shown in messages: a misplaced secret is exactly what this map may hold.
 */
export const plainEnv = () =>
    z
        .record(z.string(), z.unknown(), { error: fixRedacted("Use a map of NAME to string value.") })
        .superRefine((env, ctx) => {
            for (const [name, value] of Object.entries(env)) {
                if (isSecretLookingName(name)) {
                    ctx.addIssue({
                        code: "custom",
                        path: [name],
                        input: undefined,
                        message:
                            "looks like a secret in a plain environment variable. Deliver secrets as Docker secret files (from ESC), not as env values.",
                    });
                } else if (typeof value !== "string") {
                    ctx.addIssue({
                        code: "custom",
                        path: [name],
                        input: undefined,
                        message: `is ${kindOf(value)}. Use a string value (quote numbers and booleans).`,
                    });
                }
            }
        })
        .transform((env) => env as Record<string, string>);

/** An object-valued config key: Pulumi hands structured values to the program as JSON text. */
export function jsonValue<T extends z.ZodType>(schema: T) {
    return z.preprocess((v) => {
        if (typeof v !== "string") {
            return v;
        }
        try {
            return JSON.parse(v) as unknown;
        } catch {
            // Not JSON: a plain string, which the section's schema reports as the wrong kind of value.
            return v;
        }
    }, schema);
}
