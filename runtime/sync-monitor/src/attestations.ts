/**
 * Write attestations: secrets another writer (the Pulumi program) put into GitHub, described by a JSON file named by
 * `SYNC_ATTESTATIONS_FILE`. The ledger only knows the monitor's own writes; importing attestations before each check
 * lets it verify secrets it never wrote instead of calling them all `unverifiable`.
 *
 * An attestation imported into the ledger has `ghStatus` {@link ATTESTED_GH_STATUS} (0, "attested by an external
 * writer"), `escRevision` 0 (unknown) and `pushedAt = ghUpdatedAt = updatedAt`.
 *
 * This module is a contract with the producer (the Pulumi program): keep it pure apart from reading the file, and never
 * echo file content in errors (a producer bug could put a value where an HMAC belongs).
 */
import { readFileSync } from "node:fs";
import { ConfigError } from "./errors";
import { valueHmac, type Ledger, type LedgerEntry } from "./ledger";
import type { Logger } from "./logger";
import { normaliseName } from "./names";
import type { SecretScope } from "./syncConfig";
import { parseTargetId, secretKey } from "./targets";

/** `ghStatus` of a ledger entry imported from an attestation (GitHub's own statuses are 201 and 204). */
export const ATTESTED_GH_STATUS = 0;

/** The environment variable naming the file; every error message starts with it. */
export const ATTESTATIONS_VAR = "SYNC_ATTESTATIONS_FILE";

// GitHub's and our clocks differ by seconds; a stamp this far ahead is a producer bug (e.g. seconds read as
// milliseconds) that would hide every later change in GitHub until then.
const FUTURE_TOLERANCE_MS = 10 * 60_000;

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/;
const HMAC_HEX = /^[0-9a-fA-F]{64}$/;

/** One secret the external writer wrote. */
export interface Attestation {
    readonly scope: SecretScope;
    /** Target id as `targets.ts` builds it: `acme`, `acme/api`, `acme/api:production`. */
    readonly target: string;
    /** Secret name, upper-cased like GitHub stores it. */
    readonly name: string;
    /** Lower-case hex HMAC-SHA256 of the written value under the monitor's `SYNC_HMAC_KEY` ({@link valueHmac}). */
    readonly valueHmac: string;
    /** GitHub's `updated_at` right after the write, or null when unknown (such entries are ignored). */
    readonly updatedAt: Date | null;
}

/** The validated attestation file. */
export interface AttestationFile {
    readonly version: 1;
    /** Who wrote the secrets, e.g. `pulumi` (logged). */
    readonly writer: string;
    /** ESC environment `org/project/env` the written values came from; must be the mapping's `esc.environment`. */
    readonly escEnvironment: string;
    readonly entries: readonly Attestation[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function fail(msg: string): never {
    throw new ConfigError(`${ATTESTATIONS_VAR}: ${msg}`);
}

function onlyKeys(o: Obj, path: string, allowed: readonly string[]): void {
    for (const k of Object.keys(o)) {
        if (!allowed.includes(k))
            fail(`\`${path}${k}\` is not a known key (allowed: ${allowed.join(", ")}); remove it.`);
    }
}

function parseEntry(raw: unknown, i: number): Attestation {
    const at = `entries[${i}]`;
    if (!isObj(raw)) fail(`\`${at}\` must be an object with scope, target, name, valueHmac and updatedAt.`);
    onlyKeys(raw, `${at}.`, ["scope", "target", "name", "valueHmac", "updatedAt"]);
    const scope = raw.scope;
    if (scope !== "org" && scope !== "repo" && scope !== "environment")
        fail(`\`${at}.scope\` must be one of org, repo, environment.`);
    const t = typeof raw.target === "string" ? parseTargetId(scope, raw.target) : undefined;
    if (!t)
        fail(
            `\`${at}.target\` must be a target id for scope ${scope} (${scope === "org" ? "`owner`" : scope === "repo" ? "`owner/repo`" : "`owner/repo:environment`"}).`,
        );
    if (typeof raw.name !== "string" || raw.name.trim() === "") fail(`\`${at}.name\` must be a non-empty secret name.`);
    // The value itself is never echoed: a producer bug could have put the secret here instead of its HMAC.
    if (typeof raw.valueHmac !== "string" || !HMAC_HEX.test(raw.valueHmac)) {
        fail(`\`${at}.valueHmac\` must be 64 hex characters (HMAC-SHA256 of the written value under SYNC_HMAC_KEY).`);
    }
    if (!("updatedAt" in raw)) fail(`\`${at}.updatedAt\` is required (GitHub's updated_at after the write, or null).`);
    let updatedAt: Date | null = null;
    if (raw.updatedAt !== null) {
        if (
            typeof raw.updatedAt !== "string" ||
            !ISO_8601.test(raw.updatedAt) ||
            Number.isNaN(Date.parse(raw.updatedAt))
        ) {
            fail(`\`${at}.updatedAt\` must be an ISO 8601 timestamp such as 2026-01-31T12:00:00Z, or null.`);
        }
        updatedAt = new Date(raw.updatedAt);
    }
    return {
        scope,
        target: t.id,
        name: normaliseName(raw.name.trim()),
        valueHmac: raw.valueHmac.toLowerCase(),
        updatedAt,
    };
}

/**
 * Validates the text of an attestation file. Throws {@link ConfigError} naming `SYNC_ATTESTATIONS_FILE` and the key or
 * entry index; never quotes the file's content.
 */
export function parseAttestations(text: string): AttestationFile {
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch (e) {
        // V8's message quotes the text around the error; keep only the position.
        const pos = /position (\d+)/.exec((e as Error).message)?.[1];
        fail(`the file is not valid JSON${pos ? ` (error at position ${pos})` : ""}; write it with JSON.stringify.`);
    }
    if (!isObj(doc)) fail("the file must be a JSON object with version, writer, escEnvironment and entries.");
    onlyKeys(doc, "", ["version", "writer", "escEnvironment", "entries"]);
    if (doc.version !== 1) fail("`version` must be 1.");
    if (typeof doc.writer !== "string" || doc.writer.trim() === "")
        fail('`writer` must be a non-empty string such as "pulumi".');
    if (typeof doc.escEnvironment !== "string" || !/^[^/\s]+\/[^/\s]+\/[^/\s]+$/.test(doc.escEnvironment)) {
        fail("`escEnvironment` must be the ESC environment `org/project/env`.");
    }
    if (!Array.isArray(doc.entries)) fail("`entries` must be a list (possibly empty).");
    const entries = doc.entries.map(parseEntry);
    const seen = new Map<string, number>();
    entries.forEach((a, i) => {
        const k = `${a.scope}|${a.target}|${a.name}`;
        const first = seen.get(k);
        if (first !== undefined)
            fail(`\`entries[${i}]\` repeats \`entries[${first}]\` (same scope, target and name); keep one.`);
        seen.set(k, i);
    });
    return { version: 1, writer: doc.writer.trim(), escEnvironment: doc.escEnvironment, entries };
}

/**
 * Reads and validates the file at `path`; its `escEnvironment` must equal the mapping's `esc.environment` (HMACs of
 * another environment's values would be compared with the wrong source of truth).
 */
export function loadAttestations(path: string, escEnvironment: string): AttestationFile {
    let text: string;
    try {
        text = readFileSync(path, "utf8");
    } catch (e) {
        fail(
            `cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? "error"}); point it at the attestation file the Pulumi program mounts, or unset it.`,
        );
    }
    const file = parseAttestations(text);
    if (file.escEnvironment !== escEnvironment) {
        fail(
            `\`escEnvironment\` is ${file.escEnvironment}, but SYNC_CONFIG's esc.environment is ${escEnvironment}; render both from the same stack.`,
        );
    }
    return file;
}

/** Why an attestation was not imported. */
export interface SkippedAttestation {
    readonly scope: string;
    readonly target: string;
    readonly name: string;
    readonly reason: "no updatedAt" | "not in the mapping" | "updatedAt in the future";
}

/** Result of {@link planAttestationImports}. */
export interface AttestationPlan {
    /** Ledger entries to record (the external writer wrote after the ledger's last entry, or the ledger has none). */
    readonly imports: LedgerEntry[];
    readonly skipped: SkippedAttestation[];
}

/**
 * Decides which attestations enter the ledger (pure). An attestation is imported when it has an `updatedAt`, names a
 * secret in the mapping (`mapped` holds `scope|target|name` keys), is not implausibly far in the future, and the ledger
 * has no entry for it or an entry whose `ghUpdatedAt` is older (the external writer wrote after the monitor did).
 */
export function planAttestationImports(
    file: AttestationFile,
    ledger: ReadonlyMap<string, LedgerEntry>,
    mapped: ReadonlySet<string>,
    nowMs: number,
    clockSkewSeconds: number,
): AttestationPlan {
    const imports: LedgerEntry[] = [];
    const skipped: SkippedAttestation[] = [];
    for (const a of file.entries) {
        const id = { scope: a.scope, target: a.target, name: a.name };
        const key = secretKey(parseTargetId(a.scope, a.target)!, a.name);
        if (a.updatedAt === null) {
            skipped.push({ ...id, reason: "no updatedAt" });
            continue;
        }
        if (!mapped.has(key)) {
            skipped.push({ ...id, reason: "not in the mapping" });
            continue;
        }
        if (a.updatedAt.getTime() > nowMs + clockSkewSeconds * 1000 + FUTURE_TOLERANCE_MS) {
            skipped.push({ ...id, reason: "updatedAt in the future" });
            continue;
        }
        const current = ledger.get(key);
        if (current && current.ghUpdatedAt.getTime() >= a.updatedAt.getTime()) continue; // ledger is as new or newer
        imports.push({
            scope: a.scope,
            target: a.target,
            name: a.name,
            escEnv: file.escEnvironment,
            escRevision: 0,
            valueHmac: a.valueHmac,
            pushedAt: a.updatedAt,
            ghUpdatedAt: a.updatedAt,
            ghStatus: ATTESTED_GH_STATUS,
        });
    }
    return { imports, skipped };
}

/** What {@link applyAttestations} needs. */
export interface ApplyAttestationsOptions {
    readonly path: string;
    readonly escEnvironment: string;
    /** `scope|target|name` of every secret in the mapping. */
    readonly mapped: ReadonlySet<string>;
    readonly ledger: Pick<Ledger, "record">;
    readonly entries: ReadonlyMap<string, LedgerEntry>;
    readonly logger: Logger;
    readonly nowMs: number;
    readonly clockSkewSeconds: number;
    /** Record imports in Postgres; false (dry run) only overlays them on the returned map. */
    readonly write: boolean;
}

/**
 * Re-reads the attestation file, records the imports and returns the ledger entries with the imports applied.
 * Logs names and timestamps only, never HMACs. Throws {@link ConfigError} when the file became unreadable or invalid.
 */
export async function applyAttestations(o: ApplyAttestationsOptions): Promise<Map<string, LedgerEntry>> {
    const file = loadAttestations(o.path, o.escEnvironment);
    const plan = planAttestationImports(file, o.entries, o.mapped, o.nowMs, o.clockSkewSeconds);
    for (const s of plan.skipped) {
        if (s.reason === "no updatedAt")
            o.logger.debug({ ...s, writer: file.writer }, "attestation without updatedAt ignored");
        else o.logger.warn({ ...s, writer: file.writer }, `attestation ignored: ${s.reason}`);
    }
    const out = new Map(o.entries);
    for (const e of plan.imports) {
        if (o.write) await o.ledger.record(e);
        out.set(`${e.scope}|${e.target}|${e.name}`, e);
        o.logger.debug(
            {
                scope: e.scope,
                target: e.target,
                name: e.name,
                updatedAt: e.ghUpdatedAt.toISOString(),
                writer: file.writer,
            },
            "attestation imported",
        );
    }
    if (plan.imports.length > 0)
        o.logger.info(
            { imported: plan.imports.length, writer: file.writer, recorded: o.write },
            "attestations imported into the ledger",
        );
    return out;
}

/**
 * The HMAC a producer must write for `value`, exactly as the monitor computes it: the key is the content of
 * `SYNC_HMAC_KEY_FILE` trimmed, as UTF-8 bytes (not hex-decoded); the message is the text pushed to GitHub (strings as
 * they are, anything else as `JSON.stringify`).
 */
export function attestationHmac(hmacKeyText: string, value: unknown): string {
    return valueHmac(
        Buffer.from(hmacKeyText.trim(), "utf8"),
        typeof value === "string" ? value : JSON.stringify(value),
    );
}
