/**
 * The secret-name rule: which environment variable names look like they carry a secret. The stack config refuses
 * such names in plain `env` maps and the pack's plaintext-secrets policy refuses literal values under them.
 *
 * A name is split into `_`-separated words; it is secret-looking when one word is a credential word (PASSWORD, PASS,
 * PWD, SECRET, TOKEN, KEY, APIKEY, CREDENTIAL, PRIVATE, DSN, ...) as a whole word. So `DB_PASS`, `SIGNING_KEY`,
 * `GITHUB_TOKEN` and `OPENAI_API_KEY` are secret-looking, while `MAX_TOKENS` and `TOKENIZER_MODEL` (ordinary settings
 * of an LLM platform: the word is TOKENS or TOKENIZER, not TOKEN) are not. A name whose last word says it is about a
 * secret rather than the secret itself (`CACHE_KEY_PREFIX`, `GITHUB_TOKEN_HEADER`) is not secret-looking either.
 * A `*_FILE` name is judged by its stem: it must point at a mounted secret file instead of carrying a value.
 */

/** Case-insensitive pattern of secret-looking names (one credential word between `_`s or the ends). */
export const SECRET_NAME_PATTERN =
    "(^|_)(PASSWORD|PASSWD|PASS|PWD|SECRET|SECRETS|TOKEN|KEY|APIKEY|CREDENTIAL|CREDENTIALS|PRIVATE|DSN)(_|$)";

/** Suffixes that make a secret-looking name harmless: it names a property of the secret, not the secret. */
export const NON_SECRET_SUFFIXES: readonly string[] = ["_PREFIX", "_PATH", "_DIR", "_ID", "_NAME", "_TTL", "_HEADER"];

/** Suffixes of names that point at a secret file instead of carrying the secret. */
export const SECRET_FILE_SUFFIXES: readonly string[] = ["_FILE"];

/** The rule's knobs; the pack exposes them as policy config so an organisation can tune one published pack. */
export interface SecretNameRule {
    readonly pattern: string;
    readonly nonSecretSuffixes: readonly string[];
    readonly fileSuffixes: readonly string[];
}

/** The platform's rule. */
export const DEFAULT_SECRET_NAME_RULE: SecretNameRule = {
    pattern: SECRET_NAME_PATTERN,
    nonSecretSuffixes: NON_SECRET_SUFFIXES,
    fileSuffixes: SECRET_FILE_SUFFIXES,
};

/**
 * How the rule reads a name: `"value"` when it would carry a secret, `"file"` when it points at a secret file
 * (`DB_PASSWORD_FILE`), `undefined` when it is an ordinary setting.
 */
export function secretNameKind(
    name: string,
    rule: SecretNameRule = DEFAULT_SECRET_NAME_RULE,
): "value" | "file" | undefined {
    const upper = name.toUpperCase();
    const fileSuffix = rule.fileSuffixes.find((s) => upper.endsWith(s.toUpperCase()));
    const stem = fileSuffix ? upper.slice(0, -fileSuffix.length) : upper;
    if (
        !new RegExp(rule.pattern, "i").test(stem) ||
        rule.nonSecretSuffixes.some((s) => stem.endsWith(s.toUpperCase()))
    ) {
        return undefined;
    }
    return fileSuffix ? "file" : "value";
}

/** True when a variable of this name would carry a secret as its value (so it must not be a plain env value). */
export function isSecretLookingName(name: string, rule: SecretNameRule = DEFAULT_SECRET_NAME_RULE): boolean {
    return secretNameKind(name, rule) === "value";
}
