import YAML from "yaml";
import { expect } from "chai";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseSyncConfig, renderSyncConfig, SyncConfigError } from "../../../runtime/sync-monitor/src/syncConfig";
import { loadConfig, expandVars } from "../../../runtime/sync-monitor/src/config";
import { expectedSecrets } from "../../../runtime/sync-monitor/src/targets";

const EXAMPLE = readFileSync(join(__dirname, "../../../runtime/sync-monitor/sync-config.example.yaml"), "utf8");

function errorOf(fn: () => unknown): string {
    try {
        fn();
    } catch (e) {
        return (e as Error).message;
    }
    throw new Error("expected an error");
}

describe("sync-monitor config", () => {
    describe(".parseSyncConfig", () => {
        it("parses the shipped example with every documented key", () => {
            const c = parseSyncConfig(expandVars(YAML.parse(EXAMPLE), { SOPHIA_STACK: "prod" }));
            expect(c.esc).to.deep.equal({
                environment: "sophia/platform/prod",
                org: "sophia",
                project: "platform",
                env: "prod",
            });
            expect(c.checkIntervalSeconds).to.equal(300);
            expect(c.github).to.deep.equal({
                readConcurrency: 5,
                shadowing: true,
                readsPerMinute: 600,
                fullReadMinutes: 60,
            });
            expect(c.nameRules).to.deep.equal({ prefix: "SOPHIA_", ownedPattern: "^SOPHIA_" });
            expect(c.thresholds).to.deep.equal({ healthPercent: 85, failedChecksCritical: 3, clockSkewSeconds: 5 });
            expect(c.heal).to.deep.equal({
                enabled: false,
                cooldownMinutes: 30,
                maxAttempts: 3,
                deleteExtras: false,
                writesPerMinute: 60,
                writesPerHour: 400,
                minWriteIntervalMs: 1000,
            });
            expect(c.history.retentionDays).to.equal(30);
            expect(c.secrets[1].targets[0]).to.deep.equal({
                scope: "org",
                owner: "sophia-ai",
                visibility: "selected",
                selectedRepositories: ["sophia-api", "sophia-web"],
            });
            const names = expectedSecrets(c).map((e) => `${e.target.scope}:${e.target.id}:${e.name}`);
            expect(names).to.deep.equal([
                "org:sophia-ai:NPM_TOKEN",
                "org:sophia-ai:SOPHIA_PASSWORD",
                "repo:sophia-ai/sophia-api:SOPHIA_DATABASE_URL",
                "environment:sophia-ai/sophia-api:production:SOPHIA_DATABASE_URL",
            ]);
        });

        it("applies defaults for a minimal file", () => {
            const c = parseSyncConfig(
                "esc: {environment: a/b/c}\nsecrets:\n  - key: x.apiKey\n    targets: [{scope: repo, owner: o, repo: r}]\n",
            );
            expect(c.heal.enabled).to.equal(false);
            expect(c.checkIntervalSeconds).to.equal(300);
            expect(expectedSecrets(c)[0].name).to.equal("API_KEY");
        });

        it("round-trips through renderSyncConfig", () => {
            const c = parseSyncConfig(expandVars(YAML.parse(EXAMPLE), { SOPHIA_STACK: "dev" }));
            expect(parseSyncConfig(renderSyncConfig(c))).to.deep.equal(c);
        });

        it("renderSyncConfig refuses to render an invalid mapping", () => {
            expect(errorOf(() => renderSyncConfig({ esc: { environment: "a/b/c" }, secrets: [] }))).to.contain(
                "`secrets`",
            );
        });

        const bad: [string, string, string][] = [
            [
                "unknown key",
                "esc: {environment: a/b/c}\nsecrets: [{key: k, targets: [{scope: repo, owner: o, repo: r}]}]\nhael: {}\n",
                "`hael` is not a known key",
            ],
            [
                "bad environment",
                "esc: {environment: a/b}\nsecrets: [{key: k, targets: [{scope: repo, owner: o, repo: r}]}]\n",
                "`esc.environment` must be `org/project/env`",
            ],
            [
                "org without visibility",
                "esc: {environment: a/b/c}\nsecrets: [{key: k, targets: [{scope: org, owner: o}]}]\n",
                "`secrets[0].targets[0].visibility` is required",
            ],
            [
                "repo scope without repo",
                "esc: {environment: a/b/c}\nsecrets: [{key: k, targets: [{scope: repo, owner: o}]}]\n",
                "`secrets[0].targets[0].repo` is required",
            ],
            [
                "environment scope without environment",
                "esc: {environment: a/b/c}\nsecrets: [{key: k, targets: [{scope: environment, owner: o, repo: r}]}]\n",
                "`secrets[0].targets[0].environment` is required",
            ],
            [
                "bad scope",
                "esc: {environment: a/b/c}\nsecrets: [{key: k, targets: [{scope: team, owner: o}]}]\n",
                "`secrets[0].targets[0].scope` must be one of",
            ],
            [
                "selected repos without selected",
                "esc: {environment: a/b/c}\nsecrets: [{key: k, targets: [{scope: org, owner: o, visibility: all, selectedRepositories: [x]}]}]\n",
                "only allowed with visibility selected",
            ],
            [
                "write budget above GitHub's limit",
                "esc: {environment: a/b/c}\nheal: {writesPerMinute: 100}\nsecrets: [{key: k, targets: [{scope: repo, owner: o, repo: r}]}]\n",
                "`heal.writesPerMinute` must be a number between 1 and 80",
            ],
            [
                "bad regex",
                "esc: {environment: a/b/c}\nnameRules: {ownedPattern: '('}\nsecrets: [{key: k, targets: [{scope: repo, owner: o, repo: r}]}]\n",
                "`nameRules.ownedPattern` must be a valid regular expression",
            ],
            ["not YAML", "esc: [\n", "not valid YAML"],
        ];
        for (const [what, text, message] of bad) {
            it(`rejects ${what} with a message naming the key`, () => {
                const msg = errorOf(() => parseSyncConfig(text));
                expect(msg).to.contain(message);
                expect(msg.startsWith("SYNC_CONFIG")).to.equal(true);
            });
        }

        it("throws SyncConfigError", () => {
            expect(() => parseSyncConfig("[]")).to.throw(SyncConfigError);
        });
    });

    describe(".loadConfig", () => {
        const dir = mkdtempSync(join(tmpdir(), "sm-config-"));
        const file = (name: string, text: string) => {
            const p = join(dir, name);
            writeFileSync(p, text);
            return p;
        };
        const base = () => ({
            SYNC_CONFIG: file("sync.yaml", EXAMPLE),
            SOPHIA_STACK: "prod",
            GITHUB_TOKEN_FILE: file("gh", "gh-token-from-file\n"),
            PULUMI_ACCESS_TOKEN_FILE: file("pul", "pul-token-from-file\n"),
            DATABASE_URL: "postgres://sync@db:5432/sync",
            DATABASE_PASSWORD_FILE: file("dbpw", "p@ss/word\n"),
            SYNC_HMAC_KEY_FILE: file("hmac", "k".repeat(40)),
            SYNC_ADMIN_TOKEN_FILE: file("admin", "admin-token-0123456789"),
        });

        it("reads secrets from *_FILE variables and applies URL defaults", () => {
            const c = loadConfig(base());
            expect(c.githubToken).to.equal("gh-token-from-file");
            expect(c.pulumiAccessToken).to.equal("pul-token-from-file");
            expect(c.githubApiUrl).to.equal("https://api.github.com");
            expect(c.pulumiBackendUrl).to.equal("https://api.pulumi.com");
            expect(c.alertmanagerUrl).to.equal(undefined);
            expect(c.port).to.equal(9091);
            expect(new URL(c.databaseUrl).password).to.equal(encodeURIComponent("p@ss/word"));
            expect(c.adminToken).to.equal("admin-token-0123456789");
            expect(c.sync.esc.environment).to.equal("sophia/platform/prod");
            expect(c.secrets).to.include.members([
                "gh-token-from-file",
                "pul-token-from-file",
                "p@ss/word",
                "admin-token-0123456789",
            ]);
        });

        it("accepts plain GITHUB_TOKEN / PULUMI_ACCESS_TOKEN variables too", () => {
            const env: Record<string, string | undefined> = {
                ...base(),
                GITHUB_TOKEN_FILE: undefined,
                GITHUB_TOKEN: "plain-gh",
                ALERTMANAGER_URL: "http://am:9093/",
            };
            const c = loadConfig(env);
            expect(c.githubToken).to.equal("plain-gh");
            expect(c.alertmanagerUrl).to.equal("http://am:9093");
        });

        const failures: [string, Record<string, string | undefined>, string][] = [
            ["no SYNC_CONFIG", { SYNC_CONFIG: undefined }, "SYNC_CONFIG is not set"],
            [
                "an unset ${VAR}",
                { SOPHIA_STACK: undefined },
                "SYNC_CONFIG references ${SOPHIA_STACK}, but SOPHIA_STACK is not set",
            ],
            ["no GitHub token", { GITHUB_TOKEN_FILE: undefined }, "GITHUB_TOKEN is not set; set GITHUB_TOKEN_FILE"],
            [
                "an unreadable token file",
                { GITHUB_TOKEN_FILE: "/nonexistent/gh" },
                "GITHUB_TOKEN_FILE: cannot read /nonexistent/gh",
            ],
            ["no HMAC key", { SYNC_HMAC_KEY_FILE: undefined }, "SYNC_HMAC_KEY_FILE is not set"],
            ["an empty SYNC_HMAC_KEY_FILE", { SYNC_HMAC_KEY_FILE: "" }, "SYNC_HMAC_KEY_FILE is set but empty"],
            ["no database", { DATABASE_URL: undefined }, "DATABASE_URL is not set"],
            [
                "a non-postgres database URL",
                { DATABASE_URL: "mysql://x@y/z" },
                "DATABASE_URL must start with postgres://",
            ],
            ["a bad GitHub URL", { GITHUB_API_URL: "ftp://x" }, "GITHUB_API_URL must be an http(s) URL"],
            ["a bad port", { PORT: "99999" }, "PORT must be an integer 0-65535"],
        ];
        for (const [what, patch, message] of failures) {
            it(`fails with a message naming the variable for ${what}`, () => {
                expect(errorOf(() => loadConfig({ ...base(), ...patch }))).to.contain(message);
            });
        }

        it("rejects a short HMAC key by content", () => {
            expect(errorOf(() => loadConfig({ ...base(), SYNC_HMAC_KEY_FILE: file("short", "abc") }))).to.contain(
                "at least 32 characters",
            );
        });
    });
});
