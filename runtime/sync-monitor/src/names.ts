/** GitHub Actions secret naming rules (stored upper case, `[A-Z0-9_]`, not starting with a digit or `GITHUB_`). */

/** Why a name cannot be used, or undefined when it is valid. */
export function invalidNameReason(name: string): string | undefined {
    if (name.length === 0) return "empty name";
    if (!/^[A-Z0-9_]+$/.test(name)) return "only A-Z, 0-9 and _ are allowed";
    if (/^[0-9]/.test(name)) return "must not start with a digit";
    if (name.startsWith("GITHUB_")) return "must not start with GITHUB_";
    return undefined;
}

/** Derives a secret name from the last segment of an ESC key: `github.npmToken` -> `NPM_TOKEN`. */
export function deriveName(key: string, prefix: string): string {
    const last = key.split(".").pop() ?? key;
    const snake = last.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/[-.\s]+/g, "_");
    return normaliseName(prefix + snake);
}

/** GitHub compares names case-insensitively and stores them upper case. */
export function normaliseName(name: string): string {
    return name.toUpperCase();
}
