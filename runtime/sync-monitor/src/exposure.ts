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

/** Finds credential-looking substrings in `text`. */
export function scanText(text: string): Match[] {
    const out: Match[] = [];
    for (const rule of RULES) {
        rule.re.lastIndex = 0;
        for (const m of text.matchAll(rule.re)) {
            const whole = m[0];
            const secret = m[1] ?? whole;
            if (rule.allow && rule.allow.test(whole)) continue;
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

/** Collects findings from several sources; deduplicated by (source, rule, location). */
export class ExposureScanner {
    private readonly found = new Map<string, ExposureFinding>();

    /** Scans `text` and records findings; returns the text with matches masked. */
    scan(text: string, source: ExposureFinding["source"], location: string): string {
        const matches = scanText(text);
        for (const m of matches) {
            const f: ExposureFinding = { rule: m.rule, source, location };
            this.found.set(`${source}:${m.rule}:${location}`, f);
        }
        return matches.length ? maskMatches(text, matches) : text;
    }

    /** Every finding so far. */
    findings(): ExposureFinding[] {
        return [...this.found.values()];
    }
}
