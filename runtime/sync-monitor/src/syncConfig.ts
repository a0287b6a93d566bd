/**
 * The sync-monitor mapping file (`SYNC_CONFIG`): which Pulumi ESC values must exist as which GitHub Actions secrets.
 *
 * This module is a contract shared with the Pulumi program, which renders the same file from stack config and creates
 * the matching `@pulumi/github` secret resources from it. Keep it dependency-light (only `yaml`) and pure.
 */
import YAML from "yaml";

/** Where a GitHub Actions secret lives. */
export type SecretScope = "org" | "repo" | "environment";
/** Which repositories of an organisation can read an org secret. */
export type OrgVisibility = "all" | "private" | "selected";

/** One GitHub copy of an ESC value. */
export interface SecretTarget {
    /** `org`, `repo` or `environment`. */
    readonly scope: SecretScope;
    /** Organisation (org scope) or repository owner (repo/environment scope). */
    readonly owner: string;
    /** Repository name; required for `repo` and `environment` scope. */
    readonly repo?: string;
    /** Deployment environment name; required for `environment` scope. */
    readonly environment?: string;
    /** Org secret visibility; required for `org` scope. */
    readonly visibility?: OrgVisibility;
    /** Repository names that can read a `selected` org secret. */
    readonly selectedRepositories?: readonly string[];
    /** Secret name in GitHub. Defaults to `nameRules.prefix` + the normalised last segment of the ESC key. */
    readonly name?: string;
}

/** One ESC value and its GitHub copies. */
export interface SecretMapping {
    /** Dotted path of the value in the opened ESC environment, e.g. `github.npmToken`. */
    readonly key: string;
    readonly targets: readonly SecretTarget[];
}

/** The whole mapping file after validation and defaulting. */
export interface SyncConfig {
    readonly version: 1;
    /** ESC environment `org/project/env`. */
    readonly esc: {
        readonly environment: string;
        readonly org: string;
        readonly project: string;
        readonly env: string;
    };
    /** Seconds between checks in `--monitor` mode. Defaults to 300. */
    readonly checkIntervalSeconds: number;
    readonly github: {
        /** Concurrent list requests. Defaults to 5 (GitHub asks for serial-ish clients). */
        readonly readConcurrency: number;
        /** Report repo/environment secrets that hide an org secret of the same name. Defaults to true. */
        readonly shadowing: boolean;
        /**
         * Read requests per minute, spaced evenly. Defaults to 600: with heal writes at 60/min x 5 points that stays
         * within GitHub's secondary limit of 900 points per minute.
         */
        readonly readsPerMinute: number;
        /** Minutes after which a list is read again without `If-None-Match` (safety net). Defaults to 60. */
        readonly fullReadMinutes: number;
    };
    readonly nameRules: {
        /** Prefix for names derived from ESC keys. Defaults to "". */
        readonly prefix: string;
        /** Regex of GitHub secret names this monitor owns; unmapped matches are `extra`. Defaults to none. */
        readonly ownedPattern?: string;
    };
    readonly thresholds: {
        /** Alert when in-sync / expected falls below this percentage. Defaults to 85. */
        readonly healthPercent: number;
        /** Consecutive failed checks that raise a critical alert. Defaults to 3. */
        readonly failedChecksCritical: number;
        /** Tolerance when comparing GitHub's `updated_at` with our write. Defaults to 5. */
        readonly clockSkewSeconds: number;
    };
    readonly heal: {
        /** Push ESC values to GitHub automatically (low-risk only; high-risk waits for approval). Defaults to false. */
        readonly enabled: boolean;
        /** Minutes to wait after a failed heal of one secret. Defaults to 30. */
        readonly cooldownMinutes: number;
        /** Failed heals of one secret before giving up until it changes. Defaults to 3. */
        readonly maxAttempts: number;
        /** Propose deleting `extra` secrets the ledger proves we own (always needs approval). Defaults to false. */
        readonly deleteExtras: boolean;
        /** Writes per minute. Defaults to 60 (GitHub's content limit is 80). */
        readonly writesPerMinute: number;
        /** Writes per hour. Defaults to 400 (GitHub's content limit is 500). */
        readonly writesPerHour: number;
        /** Minimum milliseconds between two writes. Defaults to 1000. */
        readonly minWriteIntervalMs: number;
    };
    readonly history: {
        /** Days of check history kept in Postgres. Defaults to 30. */
        readonly retentionDays: number;
    };
    readonly secrets: readonly SecretMapping[];
}

/** Thrown for an invalid mapping file; the message names the offending key and the fix. */
export class SyncConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "SyncConfigError";
    }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function fail(path: string, msg: string): never {
    throw new SyncConfigError(`SYNC_CONFIG: \`${path}\` ${msg}`);
}

function checkKeys(o: Obj, path: string, allowed: readonly string[]): void {
    for (const k of Object.keys(o)) {
        if (!allowed.includes(k)) {
            fail(
                path ? `${path}.${k}` : k,
                `is not a known key (allowed: ${allowed.join(", ")}); remove or rename it.`,
            );
        }
    }
}

function section(o: Obj, key: string, path: string): Obj {
    const v = o[key];
    if (v === undefined || v === null) return {};
    if (!isObj(v)) fail(path ? `${path}.${key}` : key, "must be a mapping.");
    return v;
}

function str(o: Obj, key: string, path: string, def?: string): string {
    const v = o[key];
    if (v === undefined || v === null) {
        if (def !== undefined) return def;
        fail(`${path}.${key}`.replace(/^\./, ""), "is required (a string).");
    }
    if (typeof v !== "string" || (def === undefined && v.trim() === ""))
        fail(`${path}.${key}`.replace(/^\./, ""), "must be a non-empty string.");
    return v;
}

function num(o: Obj, key: string, path: string, def: number, min: number, max: number): number {
    const v = o[key];
    if (v === undefined || v === null) return def;
    if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max) {
        fail(
            `${path}.${key}`.replace(/^\./, ""),
            `must be a number between ${min} and ${max} (got ${JSON.stringify(v)}).`,
        );
    }
    return v;
}

function bool(o: Obj, key: string, path: string, def: boolean): boolean {
    const v = o[key];
    if (v === undefined || v === null) return def;
    if (typeof v !== "boolean")
        fail(`${path}.${key}`.replace(/^\./, ""), `must be true or false (got ${JSON.stringify(v)}).`);
    return v;
}

const NAME_SEGMENT = /^[A-Za-z0-9_.-]+$/;

function parseTarget(t: unknown, path: string): SecretTarget {
    if (!isObj(t)) fail(path, "must be a mapping with `scope` and `owner`.");
    checkKeys(t, path, ["scope", "owner", "repo", "environment", "visibility", "selectedRepositories", "name"]);
    const scope = str(t, "scope", path);
    if (scope !== "org" && scope !== "repo" && scope !== "environment")
        fail(`${path}.scope`, "must be one of org, repo, environment.");
    const owner = str(t, "owner", path);
    if (!NAME_SEGMENT.test(owner)) fail(`${path}.owner`, "must be a GitHub owner name.");
    const out: { -readonly [K in keyof SecretTarget]: SecretTarget[K] } = { scope, owner };
    if (scope === "org") {
        if (t.repo !== undefined || t.environment !== undefined)
            fail(path, "has scope org, so `repo` and `environment` must not be set.");
        const vis = str(t, "visibility", path);
        if (vis !== "all" && vis !== "private" && vis !== "selected")
            fail(`${path}.visibility`, "must be one of all, private, selected.");
        out.visibility = vis;
        if (t.selectedRepositories !== undefined) {
            if (vis !== "selected") fail(`${path}.selectedRepositories`, "is only allowed with visibility selected.");
            const sel = t.selectedRepositories;
            if (!Array.isArray(sel) || sel.some((r) => typeof r !== "string" || !NAME_SEGMENT.test(r))) {
                fail(`${path}.selectedRepositories`, "must be a list of repository names.");
            }
            out.selectedRepositories = sel as string[];
        }
    } else {
        if (t.visibility !== undefined || t.selectedRepositories !== undefined)
            fail(path, `has scope ${scope}, so \`visibility\` must not be set.`);
        out.repo = str(t, "repo", path);
        if (!NAME_SEGMENT.test(out.repo)) fail(`${path}.repo`, "must be a repository name.");
        if (scope === "environment") out.environment = str(t, "environment", path);
        else if (t.environment !== undefined) fail(`${path}.environment`, "is only allowed with scope environment.");
    }
    if (t.name !== undefined) out.name = str(t, "name", path);
    return out;
}

/**
 * Validates a mapping file (YAML text or an already parsed object) and applies defaults.
 * Throws {@link SyncConfigError} naming the first bad key.
 */
export function parseSyncConfig(input: string | unknown): SyncConfig {
    let doc: unknown = input;
    if (typeof input === "string") {
        try {
            doc = YAML.parse(input);
        } catch (e) {
            throw new SyncConfigError(`SYNC_CONFIG: not valid YAML (${(e as Error).message.split("\n")[0]}).`);
        }
    }
    if (!isObj(doc))
        throw new SyncConfigError("SYNC_CONFIG: the file must be a YAML mapping with `esc` and `secrets`.");
    checkKeys(doc, "", [
        "version",
        "esc",
        "checkIntervalSeconds",
        "github",
        "nameRules",
        "thresholds",
        "heal",
        "history",
        "secrets",
    ]);
    const version = doc.version ?? 1;
    if (version !== 1) fail("version", "must be 1.");

    const esc = section(doc, "esc", "");
    checkKeys(esc, "esc", ["environment"]);
    const environment = str(esc, "environment", "esc");
    const parts = environment.split("/");
    if (parts.length !== 3 || parts.some((p) => !NAME_SEGMENT.test(p)))
        fail("esc.environment", `must be \`org/project/env\` (got ${JSON.stringify(environment)}).`);

    const gh = section(doc, "github", "");
    checkKeys(gh, "github", ["readConcurrency", "shadowing", "readsPerMinute", "fullReadMinutes"]);
    const rules = section(doc, "nameRules", "");
    checkKeys(rules, "nameRules", ["prefix", "ownedPattern"]);
    const prefix = str(rules, "prefix", "nameRules", "");
    let ownedPattern: string | undefined;
    if (rules.ownedPattern !== undefined) {
        ownedPattern = str(rules, "ownedPattern", "nameRules");
        try {
            new RegExp(ownedPattern);
        } catch {
            fail("nameRules.ownedPattern", "must be a valid regular expression.");
        }
    }
    const th = section(doc, "thresholds", "");
    checkKeys(th, "thresholds", ["healthPercent", "failedChecksCritical", "clockSkewSeconds"]);
    const heal = section(doc, "heal", "");
    checkKeys(heal, "heal", [
        "enabled",
        "cooldownMinutes",
        "maxAttempts",
        "deleteExtras",
        "writesPerMinute",
        "writesPerHour",
        "minWriteIntervalMs",
    ]);
    const hist = section(doc, "history", "");
    checkKeys(hist, "history", ["retentionDays"]);

    const rawSecrets = doc.secrets;
    if (!Array.isArray(rawSecrets) || rawSecrets.length === 0)
        fail("secrets", "must be a non-empty list of `{key, targets}`.");
    const secrets: SecretMapping[] = rawSecrets.map((s, i) => {
        const p = `secrets[${i}]`;
        if (!isObj(s)) fail(p, "must be a mapping with `key` and `targets`.");
        checkKeys(s, p, ["key", "targets"]);
        const key = str(s, "key", p);
        if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(key))
            fail(`${p}.key`, "must be a dotted ESC property path such as `github.npmToken`.");
        if (!Array.isArray(s.targets) || s.targets.length === 0) fail(`${p}.targets`, "must be a non-empty list.");
        return { key, targets: s.targets.map((t, j) => parseTarget(t, `${p}.targets[${j}]`)) };
    });

    return {
        version: 1,
        esc: { environment, org: parts[0], project: parts[1], env: parts[2] },
        checkIntervalSeconds: num(doc, "checkIntervalSeconds", "", 300, 1, 86400),
        github: {
            readConcurrency: num(gh, "readConcurrency", "github", 5, 1, 20),
            shadowing: bool(gh, "shadowing", "github", true),
            readsPerMinute: num(gh, "readsPerMinute", "github", 600, 1, 900),
            fullReadMinutes: num(gh, "fullReadMinutes", "github", 60, 1, 10080),
        },
        nameRules: { prefix, ownedPattern },
        thresholds: {
            healthPercent: num(th, "healthPercent", "thresholds", 85, 0, 100),
            failedChecksCritical: num(th, "failedChecksCritical", "thresholds", 3, 1, 100),
            clockSkewSeconds: num(th, "clockSkewSeconds", "thresholds", 5, 0, 3600),
        },
        heal: {
            enabled: bool(heal, "enabled", "heal", false),
            cooldownMinutes: num(heal, "cooldownMinutes", "heal", 30, 0, 10080),
            maxAttempts: num(heal, "maxAttempts", "heal", 3, 1, 100),
            deleteExtras: bool(heal, "deleteExtras", "heal", false),
            writesPerMinute: num(heal, "writesPerMinute", "heal", 60, 1, 80),
            writesPerHour: num(heal, "writesPerHour", "heal", 400, 1, 500),
            minWriteIntervalMs: num(heal, "minWriteIntervalMs", "heal", 1000, 0, 600000),
        },
        history: { retentionDays: num(hist, "retentionDays", "history", 30, 1, 3650) },
        secrets,
    };
}

/** Renders a mapping (parsed or hand-built) back to YAML; the output parses to the same {@link SyncConfig}. */
export function renderSyncConfig(config: SyncConfig | Obj): string {
    const c = config as Obj;
    const esc = c.esc as Obj | undefined;
    const plain = JSON.parse(JSON.stringify({ ...c, esc: esc ? { environment: esc.environment } : esc }));
    // Validate before rendering so the Pulumi program can never mount a file the service would reject.
    parseSyncConfig(plain);
    return YAML.stringify(plain);
}
