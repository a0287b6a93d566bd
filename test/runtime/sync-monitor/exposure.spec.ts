import { expect } from "chai";
import { randomBytes } from "node:crypto";
import {
    scanText,
    maskMatches,
    ExposureScanner,
    makeGithubToken,
    githubTokenChecksumOk,
    crc32,
    shannonEntropy,
} from "../../../runtime/sync-monitor/src/exposure";
import { Redactor, scrubError } from "../../../runtime/sync-monitor/src/redact";

const B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const rand = (n: number, alphabet = B62) => Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join("");

describe("sync-monitor exposure scan", () => {
    it("computes the IEEE CRC32", () => {
        expect(crc32("123456789")).to.equal(0xcbf43926);
    });

    it("accepts GitHub tokens only with a valid CRC32 checksum", () => {
        const good = makeGithubToken("ghp", rand(30));
        expect(githubTokenChecksumOk(good)).to.equal(true);
        const bad = good.slice(0, -1) + (good.endsWith("A") ? "B" : "A");
        expect(githubTokenChecksumOk(bad)).to.equal(false);
        expect(scanText(`token=${good}`).map((m) => m.rule)).to.include("github-pat");
        expect(scanText(`x ${bad} y`).map((m) => m.rule)).not.to.include("github-pat");
    });

    const cases: [string, () => string][] = [
        ["github-pat", () => makeGithubToken("ghp", rand(30))],
        ["github-oauth", () => makeGithubToken("gho", rand(30))],
        ["github-app-token", () => makeGithubToken("ghs", rand(30))],
        ["github-refresh-token", () => makeGithubToken("ghr", rand(30))],
        ["github-fine-grained-pat", () => `github_pat_${rand(82)}`],
        ["pulumi-api-token", () => `pul-${rand(40, "0123456789abcdef")}`],
        ["aws-access-token", () => `AKIA${rand(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")}`],
        ["slack-bot-token", () => `xoxb-${rand(11, "0123456789")}-${rand(12, "0123456789")}-${rand(24)}`],
        ["slack-webhook-url", () => `https://hooks.slack.com/services/T${rand(8)}/B${rand(8)}/${rand(24)}`],
        [
            "private-key",
            () => `-----BEGIN RSA PRIVATE KEY-----\n${rand(64)}\n${rand(64)}\n-----END RSA PRIVATE KEY-----`,
        ],
        ["generic-api-key", () => `api_key = "${rand(32)}"`],
    ];
    for (const [rule, make] of cases) {
        it(`detects ${rule} and masks it without keeping the match`, () => {
            const secret = make();
            const text = `some log line: ${secret} end`;
            const matches = scanText(text);
            expect(matches.map((m) => m.rule)).to.include(rule);
            const masked = maskMatches(text, matches);
            expect(masked).to.contain(`[REDACTED:`);
            expect(masked).not.to.contain(secret.slice(-16));
        });
    }

    it("ignores low-entropy look-alikes and allow-listed AWS examples", () => {
        expect(scanText('password = "aaaaaaaaaaaaaaaa"')).to.deep.equal([]);
        expect(scanText("AKIAIOSFODNN7EXAMPLE")).to.deep.equal([]);
        expect(scanText('public_key = "abcdefghijklmnopqrstuvwxyz012345"')).to.deep.equal([]);
        expect(scanText("region = eu-west-1")).to.deep.equal([]);
        expect(shannonEntropy("aaaa")).to.equal(0);
    });

    it("records findings by rule and location only", () => {
        const s = new ExposureScanner();
        const token = makeGithubToken("ghp", rand(30));
        s.scan(`leaked ${token}`, "esc", "app.notes");
        expect(s.findings()).to.deep.equal([{ rule: "github-pat", source: "esc", location: "app.notes" }]);
        expect(JSON.stringify(s.findings())).not.to.contain(token);
    });
});

describe("sync-monitor redaction", () => {
    it("masks a value and its base64, URL-encoded, JSON-escaped and per-line forms", () => {
        const r = new Redactor();
        const v = 'line-one-secret+/=\nline "two" secret';
        r.register(v);
        const forms = [
            v,
            Buffer.from(v).toString("base64"),
            Buffer.from(v).toString("base64url"),
            encodeURIComponent(v),
            JSON.stringify(v).slice(1, -1),
            "line-one-secret+/=",
            'line "two" secret',
        ];
        for (const f of forms) expect(r.redact(`a ${f} b`)).to.equal("a [REDACTED] b");
        expect(r.redactDeep({ nested: [v] })).to.deep.equal({ nested: ["[REDACTED]"] });
    });

    it("scrubs Octokit-style errors of bodies and authorization headers", () => {
        const r = new Redactor();
        r.register("the-secret-value");
        const err = Object.assign(new Error("Validation Failed: the-secret-value"), {
            status: 422,
            request: {
                method: "PUT",
                url: "https://api.github.com/repos/o/r/actions/secrets/X",
                headers: { authorization: "token ghp_abc" },
                body: '{"encrypted_value":"c2VjcmV0"}',
            },
            response: { status: 422, data: { message: "Bad key_id the-secret-value" }, headers: {} },
        });
        const out = scrubError(err, r, "heal");
        expect(out.message).to.equal(
            "heal: PUT /repos/o/r/actions/secrets/X failed with HTTP 422: Bad key_id [REDACTED]",
        );
        expect(JSON.stringify(out)).not.to.contain("ghp_abc");
        expect(out.status).to.equal(422);
        expect(Object.keys(out)).not.to.include("request");
    });
});

describe("sync-monitor exposure scan of log lines", () => {
    it("leaves the monitor's structured fields alone and never masks a secret name", () => {
        const s = new ExposureScanner();
        const line = `${JSON.stringify({ level: 40, secret: "SOPHIA_NPM_TOKEN", alert: { secret: "SOPHIA_DB_PASSWORD" }, msg: "alert firing" })}\n`;
        expect(s.scanLogLine(line)).to.equal(line);
        expect(s.findings()).to.deep.equal([]);
    });

    it("does not treat a known secret name as the value of a generic assignment in free text", () => {
        const s = new ExposureScanner();
        const text = "secret: SOPHIA_DEPLOY_PRIVATE_KEY";
        expect(scanText(text).map((m) => m.rule)).to.deep.equal(["generic-api-key"]);
        s.knowNames(["SOPHIA_DEPLOY_PRIVATE_KEY"]);
        expect(s.scan(text, "log", "log")).to.equal(text);
        expect(s.findings()).to.deep.equal([]);
    });

    it("still finds credentials in free text and under credential-like field names, and masks only them", () => {
        const s = new ExposureScanner();
        const token = makeGithubToken("ghp", rand(30));
        const key = rand(32);
        const out = JSON.parse(s.scanLogLine(JSON.stringify({ err: `bad ${token}`, apiKey: key, name: "X_TOKEN" })));
        expect(out).to.deep.equal({
            err: "bad [REDACTED:github-pat]",
            apiKey: "[REDACTED:generic-api-key]",
            name: "X_TOKEN",
        });
        expect(s.findings().map((f) => f.rule)).to.have.members(["github-pat", "generic-api-key"]);
        s.clear("log");
        expect(s.findings()).to.deep.equal([]);
    });
});
