/**
 * One error style for the stack config: every problem is a zod issue whose path is the config key and whose message
 * is "<problem>. <fix>"; `formatIssues` turns them into `Config \`sophia-infra:<key>\` <problem>. <fix>` lines.
 * Received values are shown only as short scalars, and never where a value could be a secret (env values).
 */
import { z } from "zod";

/** The project name: config keys are `sophia-infra:<key>`. */
export const PROJECT = "sophia-infra";

/** A config error: names the key and says how to fix it. `pulumi preview` prints it without a stack trace. */
export class StackConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "StackConfigError";
    }
}

/** `sophia-infra:services[0].env.X` for a zod path. */
export function configKey(path: readonly PropertyKey[]): string {
    const dotted = path
        .map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`))
        .join("");
    return `\`${PROJECT}:${dotted}\``;
}

/**
 * A received value as messages may show it: a string, number or boolean (strings cut at 80 characters), else only
 * its kind. Objects and lists are never printed: they may hold anything.
 */
export function shown(input: unknown): string {
    if (typeof input === "string") {
        return JSON.stringify(input.length > 80 ? `${input.slice(0, 77)}...` : input);
    }
    if (typeof input === "number" || typeof input === "boolean" || input === null) {
        return String(input);
    }
    return Array.isArray(input) ? "a list" : `a ${typeof input === "object" ? "map" : typeof input}`;
}

/** What kind of value was received, for places whose values may be secrets. */
export function kindOf(input: unknown): string {
    if (input === null) {
        return "null";
    }
    return Array.isArray(input) ? "a list" : `a ${typeof input === "object" ? "map" : typeof input}`;
}

/** The problem part of a message: "is missing" or "is <value>". */
export function received(input: unknown): string {
    return input === undefined ? "is missing" : `is ${shown(input)}`;
}

/** A zod error option: "<received><detail>. <fix>", e.g. `fix("Use true or false.")`. */
export function fix(text: string, detail = ""): (iss: { input?: unknown }) => string {
    return (iss) => `${received(iss.input)}${detail}. ${text}`;
}

/** Like {@link fix}, but only says the value's kind: for values that may be secrets. */
export function fixRedacted(text: string): (iss: { input?: unknown }) => string {
    return (iss) => (iss.input === undefined ? `is missing. ${text}` : `is ${kindOf(iss.input)}. ${text}`);
}

/**
 * The fallback for issues a schema does not word itself. Zod's own messages are generic ("Invalid input"), so each
 * kind gets a problem and a fix; the value is shown only as a short scalar.
 */
export const fallbackError: z.core.$ZodErrorMap = (iss) => {
    switch (iss.code) {
        case "invalid_type":
            return iss.input === undefined
                ? `is missing. Set it (a ${iss.expected}).`
                : `is ${shown(iss.input)}. Use a ${iss.expected === "object" ? "map" : iss.expected === "array" ? "list" : iss.expected}.`;
        case "invalid_value":
            return `is ${shown(iss.input)}. Use one of: ${iss.values.map(String).join(", ")}.`;
        case "unrecognized_keys": {
            const shape = (iss.inst as { _zod?: { def?: { shape?: object } } } | undefined)?._zod?.def?.shape;
            const known = shape ? Object.keys(shape) : [];
            return `has unknown key${iss.keys.length > 1 ? "s" : ""} ${iss.keys.map((k) => `"${k}"`).join(", ")}. ${
                known.length ? `Use only: ${known.join(", ")}.` : "Remove it."
            }`;
        }
        default:
            return `${received(iss.input)}. Check it against its description in Pulumi.yaml.`;
    }
};

/** Formats a failed parse as one line per problem, each naming the key, the problem and the fix. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
    return issues.map((i) => `Config ${configKey(i.path)} ${i.message}`).join("\n");
}
