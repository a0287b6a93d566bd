/** GitHub secret stores ("targets") and the expected secrets derived from the mapping file. */
import type { OrgVisibility, SecretScope, SyncConfig } from "./syncConfig";
import { deriveName, invalidNameReason, normaliseName } from "./names";

/** One secret store in GitHub: an org, a repository, or a repository environment. */
export interface Target {
    readonly scope: SecretScope;
    readonly owner: string;
    readonly repo?: string;
    readonly environment?: string;
    /** Stable id used in the ledger, metrics and alerts: `acme`, `acme/api`, `acme/api:production`. */
    readonly id: string;
}

/** One secret the mapping says must exist in GitHub. */
export interface ExpectedSecret {
    readonly target: Target;
    readonly name: string;
    readonly key: string;
    readonly visibility?: OrgVisibility;
    readonly selectedRepositories?: readonly string[];
    /** Set when the name breaks GitHub's rules; such secrets are reported, never pushed. */
    readonly invalidReason?: string;
}

/** Builds the target id for a scope/owner/repo/environment. */
export function targetOf(scope: SecretScope, owner: string, repo?: string, environment?: string): Target {
    const id = scope === "org" ? owner : scope === "repo" ? `${owner}/${repo}` : `${owner}/${repo}:${environment}`;
    return { scope, owner, repo, environment, id };
}

/** Unique key of a secret in one target. */
export const secretKey = (t: Target, name: string): string => `${t.scope}|${t.id}|${name}`;

/** Expands the mapping into one entry per (target, name), deduplicated. */
export function expectedSecrets(config: SyncConfig): ExpectedSecret[] {
    const out = new Map<string, ExpectedSecret>();
    for (const s of config.secrets) {
        for (const t of s.targets) {
            const target = targetOf(t.scope, t.owner, t.repo, t.environment);
            const name = t.name !== undefined ? normaliseName(t.name) : deriveName(s.key, config.nameRules.prefix);
            const invalidReason = invalidNameReason(name);
            const k = secretKey(target, name);
            if (out.has(k)) continue;
            out.set(k, {
                target,
                name,
                key: s.key,
                visibility: t.visibility,
                selectedRepositories: t.selectedRepositories,
                invalidReason,
            });
        }
    }
    return [...out.values()];
}

/** Distinct targets of the expected secrets (every store that must be listed). */
export function distinctTargets(expected: readonly ExpectedSecret[]): Target[] {
    const m = new Map<string, Target>();
    for (const e of expected) m.set(`${e.target.scope}|${e.target.id}`, e.target);
    return [...m.values()];
}

/** Inverse of {@link targetOf}'s id, for targets known only from the ledger. */
export function parseTargetId(scope: string, id: string): Target | undefined {
    if (scope === "org" && /^[^/:]+$/.test(id)) return targetOf("org", id);
    const m = /^([^/:]+)\/([^/:]+)(?::(.+))?$/.exec(id);
    if (!m) return undefined;
    if (scope === "repo" && m[3] === undefined) return targetOf("repo", m[1], m[2]);
    if (scope === "environment" && m[3] !== undefined) return targetOf("environment", m[1], m[2], m[3]);
    return undefined;
}
