/**
 * Exposure scanner: gitleaks-style rules (regex + Shannon entropy + allowlist) for credentials that leaked into
 * places that should hold none (our own logs, alert texts, ESC values not marked secret). Findings carry the rule and
 * where it was seen, never the matched text.
 */

/** One leaked credential, described without its value. */
export interface ExposureFinding {
    readonly rule: string;
    readonly source: "log" | "alert" | "esc";
    /** Where: an ESC key path, an alert name, or "log". */
    readonly location: string;
}

interface Rule {
    readonly id: string;
    readonly re: RegExp;
    /** Minimum Shannon entropy of the secret group (group 1 if present, else the whole match). */
    readonly entropy?: number;
    readonly check?: (match: string) => boolean;
    readonly allow?: RegExp;
}

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const CRC_TABLE = (() => {
    const t = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
        let c = n;
        for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
        t[n] = c >>> 0;
    }
    return t;
})();

/** CRC32 (IEEE) of a UTF-8 string. */
export function crc32(text: string): number {
    let c = 0xffffffff;
    for (const b of Buffer.from(text, "utf8")) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
}

function base62(n: number, width: number): string {
    let s = "";
    do {
        s = BASE62[n % 62] + s;
        n = Math.floor(n / 62);
    } while (n > 0);
    return s.padStart(width, "0");
}

/**
 * GitHub classic tokens end in a 6-character base62 CRC32 of the 30 random characters after the prefix; checking it
 * offline removes most look-alike false positives.
 */
export function githubTokenChecksumOk(token: string): boolean {
    const body = token.slice(token.indexOf("_") + 1);
    if (body.length !== 36) return false;
    return base62(crc32(body.slice(0, 30)), 6) === body.slice(30);
}

/** Builds a checksum-valid classic GitHub token from 30 random characters (used by tests and fakes). */
export function makeGithubToken(prefix: "ghp" | "gho" | "ghu" | "ghs" | "ghr", random30: string): string {
    return `${prefix}_${random30}${base62(crc32(random30), 6)}`;
}

/** Shannon entropy in bits per character. */
export function shannonEntropy(s: string): number {
    if (!s) return 0;
    const counts = new Map<string, number>();
    for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    let h = 0;
    for (const c of counts.values()) {
        const p = c / s.length;
        h -= p * Math.log2(p);
    }
    return h;
}

const RULES: readonly Rule[] = [
    { id: "github-pat", re: /\bghp_[0-9a-zA-Z]{36}\b/g, entropy: 3, check: githubTokenChecksumOk },
    { id: "github-oauth", re: /\bgho_[0-9a-zA-Z]{36}\b/g, entropy: 3, check: githubTokenChecksumOk },
    { id: "github-app-token", re: /\b(?:ghu|ghs)_[0-9a-zA-Z]{36}\b/g, entropy: 3, check: githubTokenChecksumOk },
    { id: "github-refresh-token", re: /\bghr_[0-9a-zA-Z]{36}\b/g, entropy: 3, check: githubTokenChecksumOk },
    { id: "github-fine-grained-pat", re: /\bgithub_pat_\w{82}\b/g, entropy: 3 },
    { id: "pulumi-api-token", re: /\bpul-[a-f0-9]{40}\b/g, entropy: 2 },
    {
        id: "aws-access-token",
        re: /\b((?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})\b/g,
        entropy: 3,
        allow: /EXAMPLE$/,
    },
    { id: "slack-bot-token", re: /xoxb-[0-9]{10,13}-[0-9]{10,13}[a-zA-Z0-9-]*/g, entropy: 3 },
    { id: "slack-user-token", re: /xox[pe](?:-[0-9]{10,13}){3}-[a-zA-Z0-9-]{28,34}/g, entropy: 2 },
    { id: "slack-app-token", re: /xapp-\d-[A-Z0-9]+-\d+-[a-z0-9]+/gi, entropy: 2 },
    { id: "slack-legacy-token", re: /xox[ar]-(?:\d-)?[0-9a-zA-Z]{8,48}/g, entropy: 2 },
    {
        id: "slack-webhook-url",
        re: /(?:https?:\/\/)?hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9+/]{43,56}/g,
    },
    {
        id: "private-key",
        re: /-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----[\s\S]{64,}?-----END[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----/g,
    },
    {
        id: "generic-api-key",
        re: /[\w.-]{0,50}?(?:access|auth|[Aa]pi|API|credential|creds|key|passw(?:or)?d|secret|token)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[`'"\s=]{0,5}([\w.=-]{10,150}|[a-z0-9][a-z0-9+/]{11,}={0,3})(?=[`'"\s;]|\\[nr]|$)/gim,
        entropy: 3.5,
        allow: /public_key|api_version|credentialsId|csrf_token|\[REDACTED\]/i,
    },
];

/** A match found in a text: the rule and its span (so callers can mask it). */
export interface Match {
    readonly rule: string;
    readonly start: number;
    readonly end: number;
}

/** What {@link scanText} may ignore. */
export interface ScanOptions {
    /**
     * Values the generic rule must not treat as credentials: the monitor's own secret names. `"secret":"SOPHIA_NPM_TOKEN"`
     * reads like `secret: <value>`, but the value is a name the mapping published, not a credential.
     */
    readonly knownNames?: ReadonlySet<string>;
}

/** Finds credential-looking substrings in `text`. */
export function scanText(text: string, opts: ScanOptions = {}): Match[] {
    const out: Match[] = [];
    for (const rule of RULES) {
        rule.re.lastIndex = 0;
        for (const m of text.matchAll(rule.re)) {
            const whole = m[0];
            const secret = m[1] ?? whole;
            if (rule.allow && rule.allow.test(whole)) continue;
            if (rule.id === "generic-api-key" && opts.knownNames?.has(secret.toUpperCase())) continue;
            if (rule.entropy !== undefined && shannonEntropy(secret) < rule.entropy) continue;
            if (rule.check && !rule.check(secret)) continue;
            const start = (m.index ?? 0) + (m[1] !== undefined ? whole.indexOf(m[1]) : 0);
            out.push({ rule: rule.id, start, end: start + secret.length });
        }
    }
    return out;
}

/** Replaces every match with `[REDACTED:<rule>]`. */
export function maskMatches(text: string, matches: readonly Match[]): string {
    const sorted = [...matches].sort((a, b) => b.start - a.start);
    let out = text;
    let floor = Infinity;
    for (const m of sorted) {
        if (m.end > floor) continue; // overlapping matches: the later one already masked this span
        out = out.slice(0, m.start) + `[REDACTED:${m.rule}]` + out.slice(m.end);
        floor = m.start;
    }
    return out;
}

/**
 * Log fields the monitor itself writes with names, ids, kinds and counts: never scanned (a secret name such as
 * `SOPHIA_DB_PASSWORD` in `"secret": …` is not a credential) and never masked. Every other field is scanned.
 */
export const STRUCTURED_LOG_FIELDS: ReadonlySet<string> = new Set([
    "level",
    "time",
    "service",
    "pid",
    "hostname",
    "secret",
    "name",
    "target",
    "scope",
    "kind",
    "drift",
    "id",
    "heal",
    "action",
    "alert",
    "rule",
    "status",
    "route",
    "method",
    "resource",
    "writer",
    "counts",
    "revision",
    "health",
    "durationMs",
    "updatedAt",
    "imported",
    "recorded",
    "port",
    "interval",
    "signal",
    "retryAfterSeconds",
    "retrying",
]);

/** Fields holding free text (messages, upstream errors): scanned as they are, without their key. */
const FREE_TEXT_LOG_FIELDS: ReadonlySet<string> = new Set(["msg", "err", "reason", "summary", "description"]);

/**
 * Collects findings per source. ESC and alert findings are replaced each time the source is scanned again; log
 * findings are events that the monitor clears after a check reported them, so every finding resolves once it is no
 * longer seen.
 */
export class ExposureScanner {
    private readonly found = new Map<string, ExposureFinding>();
    private readonly names = new Set<string>();

    /** Declares the monitor's own secret names (mapping and listings): never findings, never masked. */
    knowNames(names: Iterable<string>): void {
        for (const n of names) this.names.add(n.toUpperCase());
    }

    /** Scans `text` and records findings; returns the text with matches masked. */
    scan(text: string, source: ExposureFinding["source"], location: string): string {
        const matches = scanText(text, { knownNames: this.names });
        for (const m of matches) {
            const f: ExposureFinding = { rule: m.rule, source, location };
            this.found.set(`${source}:${m.rule}:${location}`, f);
        }
        return matches.length ? maskMatches(text, matches) : text;
    }

    /**
     * Scans one JSON log line field by field: the monitor's structured fields ({@link STRUCTURED_LOG_FIELDS}) are left
     * alone, free text is scanned as it is, any other field as `"key":"value"` (so a credential under a key such as
     * `apiKey` is still found). Returns the line with matches masked; a line that is not JSON is scanned whole.
     */
    scanLogLine(line: string): string {
        let doc: unknown;
        try {
            doc = JSON.parse(line);
        } catch {
            return this.scan(line, "log", "log");
        }
        if (!doc || typeof doc !== "object" || Array.isArray(doc)) return this.scan(line, "log", "log");
        let changed = false;
        const visit = (key: string, value: unknown, top: boolean): unknown => {
            if (top && STRUCTURED_LOG_FIELDS.has(key)) return value;
            if (typeof value === "string") {
                const free = top && FREE_TEXT_LOG_FIELDS.has(key);
                const prefix = free ? "" : `${JSON.stringify(key)}:"`;
                const scanned = this.scan(prefix + value, "log", "log");
                if (scanned === prefix + value) return value;
                changed = true;
                // A match may start inside the key prefix only if the key itself is a credential; then mask it all.
                return scanned.startsWith(prefix) ? scanned.slice(prefix.length) : "[REDACTED]";
            }
            if (Array.isArray(value)) return value.map((v) => visit(key, v, false));
            if (value && typeof value === "object")
                return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, visit(k, v, false)]));
            return value;
        };
        const out = Object.fromEntries(Object.entries(doc).map(([k, v]) => [k, visit(k, v, true)]));
        return changed ? `${JSON.stringify(out)}${line.endsWith("\n") ? "\n" : ""}` : line;
    }

    /** Forgets the findings of one source (before it is scanned afresh, or after log findings were reported). */
    clear(source: ExposureFinding["source"]): void {
        for (const [k, f] of this.found) if (f.source === source) this.found.delete(k);
    }

    /** Every current finding. */
    findings(): ExposureFinding[] {
        return [...this.found.values()];
    }
}
