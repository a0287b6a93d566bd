/** Pure drift computation: ESC snapshot + GitHub listings + ledger -> per-secret findings. */
import type { EscSnapshot } from "./escSource";
import type { ListedSecret } from "./github";
import { valueHmac, type LedgerEntry } from "./ledger";
import { invalidNameReason } from "./names";
import { secretKey, type ExpectedSecret, type Target } from "./targets";
import type { DRIFT_KINDS } from "./metrics";

export type DriftKind = (typeof DRIFT_KINDS)[number];

/** One finding about one secret; holds names only, never values. */
export interface DriftEntry {
    readonly kind: DriftKind;
    readonly scope: string;
    readonly target: string;
    readonly name: string;
    /** ESC key path, when the secret is mapped. */
    readonly key?: string;
    readonly detail?: string;
}

/** Everything the heal planner needs about one expected secret (internal; the value hash never leaves the process). */
export interface SecretState {
    readonly expected: ExpectedSecret;
    readonly kinds: DriftKind[];
    readonly hmac?: string;
    readonly value?: string;
    readonly ledger?: LedgerEntry;
    readonly listed?: ListedSecret;
}

/** Input of {@link computeDrift}. */
export interface DriftInput {
    readonly expected: readonly ExpectedSecret[];
    readonly esc: EscSnapshot;
    /** Listing per target (`scope|id`), or the reason it could not be read. */
    readonly listings: ReadonlyMap<string, ListedSecret[] | { error: string }>;
    /** Org secret names visible to each repository (`owner/repo`), for shadowing. */
    readonly visibleOrgSecrets: ReadonlyMap<string, ReadonlySet<string>>;
    readonly ledger: ReadonlyMap<string, LedgerEntry>;
    readonly targets: readonly Target[];
    readonly hmacKey: Buffer;
    readonly ownedPattern?: RegExp;
    readonly clockSkewSeconds: number;
}

/** Output of {@link computeDrift}. */
export interface DriftResult {
    readonly entries: DriftEntry[];
    readonly states: SecretState[];
    /** Expected secrets on targets that were read completely. */
    readonly expected: number;
    readonly inSync: number;
    readonly incompleteTargets: { target: string; scope: string; reason: string }[];
    /** Extra secrets proven ours by the ledger (deletable with approval). */
    readonly ownedExtras: { target: Target; name: string }[];
}

const MAX_VALUE_BYTES = 48 * 1024;

/** Turns an ESC value into the exact string pushed to GitHub. */
export function secretText(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

/** Computes every drift kind per secret. A target whose listing failed contributes no missing/extra findings. */
export function computeDrift(input: DriftInput): DriftResult {
    const entries: DriftEntry[] = [];
    const states: SecretState[] = [];
    const incompleteTargets: DriftResult["incompleteTargets"] = [];
    const ownedExtras: DriftResult["ownedExtras"] = [];
    let expected = 0;
    let inSync = 0;
    const skewMs = input.clockSkewSeconds * 1000;

    for (const t of input.targets) {
        const l = input.listings.get(`${t.scope}|${t.id}`);
        if (!l || !Array.isArray(l))
            incompleteTargets.push({ target: t.id, scope: t.scope, reason: l ? l.error : "not read" });
    }

    for (const e of input.expected) {
        const base = { scope: e.target.scope, target: e.target.id, name: e.name, key: e.key };
        const listing = input.listings.get(`${e.target.scope}|${e.target.id}`);
        const kinds: DriftKind[] = [];
        const push = (kind: DriftKind, detail?: string) => {
            kinds.push(kind);
            entries.push({ ...base, kind, ...(detail ? { detail } : {}) });
        };
        if (!Array.isArray(listing)) {
            states.push({ expected: e, kinds });
            continue; // incomplete: no verdict, never a false `missing`
        }
        expected++;
        const src = input.esc.values.get(e.key);
        const ledger = input.ledger.get(secretKey(e.target, e.name));
        const listed = listing.find((s) => s.name === e.name);
        if (e.invalidReason) {
            push("invalid", `name ${e.invalidReason}`);
            states.push({ expected: e, kinds, listed, ledger });
            continue;
        }
        if (!src || src.value === undefined || src.value === null) {
            push("invalid", "ESC key not found in the environment");
            states.push({ expected: e, kinds, listed, ledger });
            continue;
        }
        const value = secretText(src.value);
        if (Buffer.byteLength(value, "utf8") > MAX_VALUE_BYTES) {
            push("invalid", "value exceeds GitHub's 48 KB limit");
            states.push({ expected: e, kinds, listed, ledger });
            continue;
        }
        const hmac = valueHmac(input.hmacKey, value);
        if (!listed) {
            push("missing", ledger ? "the ledger shows we wrote it before" : "never written by this monitor");
        } else if (!ledger) {
            push("unverifiable", "no ledger entry: GitHub never returns values");
        } else {
            if (ledger.valueHmac !== hmac) push("stale", `ESC changed since revision ${ledger.escRevision}`);
            if (Date.parse(listed.updatedAt) > ledger.ghUpdatedAt.getTime() + skewMs)
                push("tampered", "updated in GitHub after our last write");
        }
        if (kinds.length === 0) inSync++;
        states.push({ expected: e, kinds, hmac, value, ledger, listed });
    }

    // extra: listed, matching our name rules (or owned per ledger), not expected.
    const expectedKeys = new Set(input.expected.map((e) => secretKey(e.target, e.name)));
    for (const t of input.targets) {
        const listing = input.listings.get(`${t.scope}|${t.id}`);
        if (!Array.isArray(listing)) continue;
        for (const s of listing) {
            const k = secretKey(t, s.name);
            if (expectedKeys.has(k)) continue;
            const owned = input.ledger.has(k);
            if (!owned && !(input.ownedPattern && input.ownedPattern.test(s.name) && !invalidNameReason(s.name)))
                continue;
            entries.push({
                kind: "extra",
                scope: t.scope,
                target: t.id,
                name: s.name,
                detail: owned ? "owned (in ledger)" : "matches nameRules.ownedPattern, not owned",
            });
            if (owned) ownedExtras.push({ target: t, name: s.name });
        }
    }

    // shadowed: a repo or environment secret with the name of an org secret the repository can see.
    for (const t of input.targets) {
        if (t.scope === "org") continue;
        const listing = input.listings.get(`${t.scope}|${t.id}`);
        const visible = input.visibleOrgSecrets.get(`${t.owner}/${t.repo}`);
        if (!Array.isArray(listing) || !visible) continue;
        for (const s of listing) {
            if (visible.has(s.name)) {
                entries.push({
                    kind: "shadowed",
                    scope: t.scope,
                    target: t.id,
                    name: s.name,
                    detail: `hides the org secret ${t.owner}/${s.name}`,
                });
            }
        }
    }

    return { entries, states, expected, inSync, incompleteTargets, ownedExtras };
}
