import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { ConfigError } from "./errors";

/** TTL for one `x-chat-context` value; a volatile answer (matching `volatilePattern`) gets `volatileTtlSeconds`. */
export interface ContextRule {
    ttlSeconds: number;
    volatileTtlSeconds?: number;
    volatilePattern?: RegExp;
}

/** Data that decides TTL classes and key normalisation; overridable with `CACHE_RULES_FILE`. */
export interface CacheRules {
    defaultTtlSeconds: number;
    contexts: Record<string, ContextRule>;
    /** Collapse whitespace runs and trim user/system/developer text before hashing. */
    collapseWhitespace: boolean;
    /** Drop a leading "please" / "can you" / "could you" before hashing (opt-in: it can change meaning). */
    stripPolitePrefixes: boolean;
    /** Model aliases resolved before hashing, e.g. `{"gpt-4o-latest": "gpt-4o"}`. */
    modelAliases: Record<string, string>;
}

/** TTL bounds for rules: the original design's classes span 1 to 15 minutes. */
export const MIN_RULE_TTL = 60;
export const MAX_RULE_TTL = 900;

const VOLATILE = /\b(current|currently|today|now|live)\b/i;

/** The original design's classes: infrastructure 60 s, ceo_deep_research 900 s, business_intelligence 600/120 s. */
export function defaultRules(defaultTtlSeconds = 300): CacheRules {
    return {
        defaultTtlSeconds,
        contexts: {
            infrastructure: { ttlSeconds: 60 },
            ceo_deep_research: { ttlSeconds: 900 },
            business_intelligence: { ttlSeconds: 600, volatileTtlSeconds: 120, volatilePattern: VOLATILE },
        },
        collapseWhitespace: true,
        stripPolitePrefixes: false,
        modelAliases: {},
    };
}

function ttl(value: unknown, where: string): number {
    if (typeof value !== "number" || !Number.isInteger(value) || value < MIN_RULE_TTL || value > MAX_RULE_TTL) {
        throw new ConfigError(
            `CACHE_RULES_FILE: ${where} must be a whole number of seconds between ${MIN_RULE_TTL} and ${MAX_RULE_TTL}.`,
        );
    }
    return value;
}

/**
 * Validates a parsed rules document and merges it over the defaults (a context given in the file replaces the default one).
 * @internal Exported for testing.
 */
export function parseRules(doc: unknown, defaultTtlSeconds: number): CacheRules {
    const rules = defaultRules(defaultTtlSeconds);
    if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
        throw new ConfigError(
            "CACHE_RULES_FILE must contain an object with `contexts`, `defaultTtlSeconds`, `normalise` or `modelAliases`.",
        );
    }
    const d = doc as Record<string, unknown>;
    for (const k of Object.keys(d)) {
        if (!["defaultTtlSeconds", "contexts", "normalise", "modelAliases"].includes(k)) {
            throw new ConfigError(
                `CACHE_RULES_FILE: unknown key \`${k}\`; allowed: defaultTtlSeconds, contexts, normalise, modelAliases.`,
            );
        }
    }
    if (d.defaultTtlSeconds !== undefined) rules.defaultTtlSeconds = ttl(d.defaultTtlSeconds, "`defaultTtlSeconds`");
    if (d.contexts !== undefined) {
        if (typeof d.contexts !== "object" || d.contexts === null || Array.isArray(d.contexts)) {
            throw new ConfigError(
                "CACHE_RULES_FILE: `contexts` must map a context name to `{ttlSeconds, volatileTtlSeconds?, volatilePattern?}`.",
            );
        }
        for (const [name, raw] of Object.entries(d.contexts as Record<string, unknown>)) {
            if (typeof raw !== "object" || raw === null)
                throw new ConfigError(`CACHE_RULES_FILE: \`contexts.${name}\` must be an object.`);
            const r = raw as Record<string, unknown>;
            const rule: ContextRule = { ttlSeconds: ttl(r.ttlSeconds, `\`contexts.${name}.ttlSeconds\``) };
            if (r.volatileTtlSeconds !== undefined) {
                rule.volatileTtlSeconds = ttl(r.volatileTtlSeconds, `\`contexts.${name}.volatileTtlSeconds\``);
                let pattern = VOLATILE;
                if (r.volatilePattern !== undefined) {
                    try {
                        pattern = new RegExp(String(r.volatilePattern), "i");
                    } catch {
                        throw new ConfigError(
                            `CACHE_RULES_FILE: \`contexts.${name}.volatilePattern\` is not a valid regular expression.`,
                        );
                    }
                }
                rule.volatilePattern = pattern;
            }
            rules.contexts[name] = rule;
        }
    }
    if (d.normalise !== undefined) {
        const n = d.normalise as Record<string, unknown>;
        for (const [k, v] of Object.entries(n ?? {})) {
            if (k !== "collapseWhitespace" && k !== "stripPolitePrefixes") {
                throw new ConfigError(
                    `CACHE_RULES_FILE: unknown key \`normalise.${k}\`; allowed: collapseWhitespace, stripPolitePrefixes.`,
                );
            }
            if (typeof v !== "boolean")
                throw new ConfigError(`CACHE_RULES_FILE: \`normalise.${k}\` must be true or false.`);
            rules[k] = v;
        }
    }
    if (d.modelAliases !== undefined) {
        for (const [k, v] of Object.entries((d.modelAliases ?? {}) as Record<string, unknown>)) {
            if (typeof v !== "string")
                throw new ConfigError(`CACHE_RULES_FILE: \`modelAliases.${k}\` must be a model name string.`);
            rules.modelAliases[k] = v;
        }
    }
    return rules;
}

/** Reads a JSON or YAML rules file (`CACHE_RULES_FILE`). */
export function loadRulesFile(path: string, defaultTtlSeconds: number): CacheRules {
    let text: string;
    try {
        text = readFileSync(path, "utf8");
    } catch (err) {
        throw new ConfigError(
            `CACHE_RULES_FILE points to "${path}", which cannot be read (${(err as NodeJS.ErrnoException).code}). Fix the path or unset CACHE_RULES_FILE.`,
        );
    }
    let doc: unknown;
    try {
        doc = parseYaml(text);
    } catch (err) {
        throw new ConfigError(
            `CACHE_RULES_FILE "${path}" is not valid JSON/YAML: ${(err as Error).message.split("\n")[0]}`,
        );
    }
    return parseRules(doc, defaultTtlSeconds);
}

/** The TTL class label (a known context name or `default`); bounded cardinality for metrics. */
export function ttlClass(rules: CacheRules, context: string | undefined): string {
    return context !== undefined && Object.prototype.hasOwnProperty.call(rules.contexts, context) ? context : "default";
}

/** Seconds to keep an answer, from its context and (for volatile classes) the answer text. */
export function ttlFor(rules: CacheRules, cls: string, answerText: string): number {
    const rule = rules.contexts[cls];
    if (!rule) return rules.defaultTtlSeconds;
    if (rule.volatileTtlSeconds !== undefined && rule.volatilePattern?.test(answerText)) return rule.volatileTtlSeconds;
    return rule.ttlSeconds;
}
