import { expect } from "chai";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFakeGitHub, type FakeGitHub } from "../../support/fakeGitHub";
import { InstallationTokenSource } from "../../../runtime/sync-monitor/src/githubAppAuth";
import { createOctokit, GitHubSecrets } from "../../../runtime/sync-monitor/src/github";
import { targetOf } from "../../../runtime/sync-monitor/src/targets";
import { loadConfig } from "../../../runtime/sync-monitor/src/config";
import { TestClock } from "./harness";

const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
});

describe("sync-monitor GitHub App authentication", function () {
    this.timeout(30_000);
    let gh: FakeGitHub;
    afterEach(async () => gh?.close());

    it("creates an installation token with @octokit/auth-app, uses it, and renews it before it expires", async () => {
        // GitHub's real lifetime is an hour; ten minutes with a five-minute margin keeps the test's clock jumps small.
        gh = await startFakeGitHub({
            token: "no-personal-token-here",
            app: { id: 4242, installationId: 77, publicKeyPem: publicKey, tokenTtlMs: 10 * 60_000 },
        });
        gh.addOrg("acme");
        const clock = new TestClock();
        const seen: string[] = [];
        const source = new InstallationTokenSource({
            baseUrl: gh.url,
            app: { appId: "4242", installationId: 77, privateKey },
            clock,
            refreshMarginMs: 5 * 60_000,
            onToken: (t) => seen.push(t),
        });
        const github = new GitHubSecrets(createOctokit({ baseUrl: gh.url, tokenSource: source }));
        const org = targetOf("org", "acme");
        const list = async () => (await github.listPage({ kind: "target", target: org }, 1)).status;

        expect(await list()).to.equal(200);
        expect(await list()).to.equal(200);
        expect(gh.installationTokens).to.have.length(1);
        const first = gh.installationTokens[0].token;
        expect(first).to.match(/^ghs_/);
        const orgCalls = () => gh.calls.filter((c) => c.path === "/orgs/acme/actions/secrets");
        expect(orgCalls().map((c) => c.token)).to.deep.equal([first, first]);

        // Four minutes left on the token, within the five-minute margin: the next request gets a new one.
        clock.advance(6 * 60_000);
        expect(await list()).to.equal(200);
        expect(gh.installationTokens).to.have.length(2);
        const second = gh.installationTokens[1].token;
        expect(second).not.to.equal(first);
        expect(orgCalls().at(-1)!.token).to.equal(second);
        expect(seen).to.deep.equal([first, second]);
        expect(source.created).to.equal(2);
        // The token endpoint was called with the App JWT, not with an installation token.
        const mints = gh.calls.filter((c) => c.path === "/app/installations/77/access_tokens");
        expect(mints.map((c) => c.status)).to.deep.equal([201, 201]);
        expect(mints.every((c) => c.token!.split(".").length === 3)).to.equal(true);
    });

    it("fails with GitHub's 401 when the JWT is signed by another key", async () => {
        const other = generateKeyPairSync("rsa", {
            modulusLength: 2048,
            privateKeyEncoding: { type: "pkcs1", format: "pem" },
            publicKeyEncoding: { type: "spki", format: "pem" },
        });
        gh = await startFakeGitHub({ app: { id: 1, installationId: 2, publicKeyPem: publicKey } });
        const source = new InstallationTokenSource({
            baseUrl: gh.url,
            app: { appId: "1", installationId: 2, privateKey: other.privateKey },
            clock: new TestClock(),
        });
        let status: number | undefined;
        await source.token().catch((e: { status?: number }) => (status = e.status));
        expect(status).to.equal(401);
    });
});

describe("sync-monitor App configuration", () => {
    const dir = mkdtempSync(join(tmpdir(), "sm-app-"));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const file = (name: string, text: string) => {
        const p = join(dir, name);
        writeFileSync(p, text);
        return p;
    };
    const base = (): Record<string, string | undefined> => ({
        SYNC_CONFIG: file(
            "sync.yaml",
            "esc: {environment: sophia/platform/prod}\nsecrets: [{key: a.b, targets: [{scope: repo, owner: acme, repo: api}]}]\n",
        ),
        PULUMI_ACCESS_TOKEN_FILE: file("pul", "pul-token\n"),
        DATABASE_URL: "postgres://sync@db:5432/sync",
        SYNC_HMAC_KEY_FILE: file("hmac", "k".repeat(40)),
        GITHUB_APP_ID_FILE: file("app-id", "4242\n"),
        GITHUB_APP_INSTALLATION_ID_FILE: file("inst", "77\n"),
        GITHUB_APP_PRIVATE_KEY_FILE: file("key.pem", privateKey),
    });

    it("reads the App id, installation id and private key from files, and registers the key as a secret", () => {
        const c = loadConfig(base());
        expect(c.githubToken).to.equal(undefined);
        expect(c.githubApp).to.deep.equal({ appId: "4242", installationId: 77, privateKey: privateKey.trim() });
        expect(c.secrets).to.include(privateKey.trim());
    });

    const failures: [string, Record<string, string | undefined>, string][] = [
        ["a missing private key", { GITHUB_APP_PRIVATE_KEY_FILE: undefined }, "GITHUB_APP_PRIVATE_KEY_FILE is not set"],
        ["a token and an App", { GITHUB_TOKEN: "ghp_x" }, "choose one way to authenticate"],
        ["a non-numeric App id", { GITHUB_APP_ID_FILE: undefined, GITHUB_APP_ID: "my-app" }, "GITHUB_APP_ID must be"],
        [
            "an empty GITHUB_APP_PRIVATE_KEY_FILE",
            { GITHUB_APP_PRIVATE_KEY_FILE: "" },
            "GITHUB_APP_PRIVATE_KEY_FILE is set but empty",
        ],
        [
            "no credentials at all",
            {
                GITHUB_APP_ID_FILE: undefined,
                GITHUB_APP_INSTALLATION_ID_FILE: undefined,
                GITHUB_APP_PRIVATE_KEY_FILE: undefined,
            },
            "GITHUB_TOKEN is not set",
        ],
    ];
    for (const [what, change, message] of failures) {
        it(`fails with a message naming the variable for ${what}, without echoing the key`, () => {
            expect(() => loadConfig({ ...base(), ...change }))
                .to.throw(message)
                .and.satisfy((e: Error) => !e.message.includes("PRIVATE KEY-----\n"));
        });
    }

    it("treats an empty *_FILE as an error, as chat-cache does", () => {
        expect(() => loadConfig({ ...base(), GITHUB_APP_ID_FILE: file("empty", "\n") })).to.throw(
            "GITHUB_APP_ID_FILE points at",
        );
    });
});
