import { expect } from "chai";
import { parseSyncConfig } from "../../runtime/sync-monitor/src/syncConfig";
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { calls, installMocks, isSecretValue, promiseOf, resourcesOf, settled, unwrap } from "../support/pulumiMocks";

const mapping = parseSyncConfig(`
version: 1
esc: { environment: sophia/platform/prod }
nameRules: { prefix: SOPHIA_ }
secrets:
  - key: github.npmToken
    targets:
      - { scope: org, owner: acme, visibility: private, name: NPM_TOKEN }
  - key: registry.password
    targets:
      - { scope: org, owner: acme, visibility: selected, selectedRepositories: [api, web] }
  - key: api.databaseUrl
    targets:
      - { scope: repo, owner: acme, repo: api, name: DATABASE_URL }
      - { scope: environment, owner: acme, repo: api, environment: production, name: DATABASE_URL }
      - { scope: environment, owner: other-org, repo: tool, environment: production, name: DATABASE_URL }
`);
const values = {
    github: { npmToken: "npm-value-1" },
    registry: { password: "reg-value-2" },
    api: { databaseUrl: "postgres://u:p@h/db" },
};

describe("GithubSecrets", () => {
    let mod: typeof import("../../components/githubSecrets");
    before(async () => {
        await installMocks();
        mod = await import("../../components/githubSecrets");
        new mod.GithubSecrets("t-gh", { mapping, values, token: "gh-admin-token" });
        await settled();
    });

    it("creates one resource per (target, name) of the mapping, with the right scope and secret values", () => {
        const org = resourcesOf("github:index/actionsOrganizationSecret:ActionsOrganizationSecret");
        expect(org.map((r) => [r.inputs.secretName, r.inputs.visibility, unwrap(r.inputs.value)])).to.deep.equal([
            ["NPM_TOKEN", "private", "npm-value-1"],
            ["SOPHIA_PASSWORD", "selected", "reg-value-2"],
        ]);
        const repo = resourcesOf("github:index/actionsSecret:ActionsSecret");
        expect(repo.map((r) => [r.inputs.repository, r.inputs.secretName, unwrap(r.inputs.value)])).to.deep.equal([
            ["api", "DATABASE_URL", "postgres://u:p@h/db"],
        ]);
        const env = resourcesOf("github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret");
        expect(env.map((r) => [r.inputs.repository, r.inputs.environment, r.inputs.secretName])).to.deep.equal([
            ["api", "production", "DATABASE_URL"],
            ["tool", "production", "DATABASE_URL"],
        ]);
        for (const r of [...org, ...repo, ...env]) {
            expect(isSecretValue(r.inputs.value), r.name).to.equal(true);
            expect(r.inputs).to.not.have.any.keys("plaintextValue", "encryptedValue");
        }
    });

    it("creates the environments the environment secrets need", () => {
        expect(
            resourcesOf("github:index/repositoryEnvironment:RepositoryEnvironment").map((r) => [
                r.inputs.repository,
                r.inputs.environment,
            ]),
        ).to.deep.equal([
            ["api", "production"],
            ["tool", "production"],
        ]);
    });

    it("selects repositories for a selected org secret by their ids", () => {
        const sel = resourcesOf(
            "github:index/actionsOrganizationSecretRepositories:ActionsOrganizationSecretRepositories",
        );
        expect(sel).to.have.length(1);
        expect(sel[0].inputs.secretName).to.equal("SOPHIA_PASSWORD");
        expect(sel[0].inputs.selectedRepositoryIds).to.have.length(2);
        expect(
            calls.filter((c) => c.token === "github:index/getRepository:getRepository").map((c) => c.inputs.fullName),
        ).to.deep.equal(["acme/api", "acme/web"]);
    });

    it("uses one provider per owner, with the token secret", () => {
        const providers = resourcesOf("pulumi:providers:github");
        expect(providers.map((p) => p.inputs.owner).sort()).to.deep.equal(["acme", "other-org"]);
        providers.forEach((p) => expect(unwrap(p.inputs.token)).to.equal("gh-admin-token"));
    });

    it("manages exactly the secrets the sync-monitor will expect", async () => {
        const { expectedSecrets } = await import("../../runtime/sync-monitor/src/targets");
        const monitored = expectedSecrets(mapping).map((e) => `${e.target.scope}|${e.target.id}|${e.name}`);
        const gh = new mod.GithubSecrets("t-gh2", { mapping, values, token: "x" });
        expect(gh.managed).to.deep.equal(monitored);
    });

    it("attests what it wrote with keyed HMACs and GitHub's updated_at, never the values", async () => {
        const gh = new mod.GithubSecrets("t-gh3", { mapping, values, token: "x", hmacKey: "k".repeat(40) });
        const text = await promiseOf(gh.attestations!);
        const doc = JSON.parse(text);
        expect(doc).to.include({ version: 1, writer: "pulumi", escEnvironment: "sophia/platform/prod" });
        const hmac = (v: string) => crypto.createHmac("sha256", "k".repeat(40)).update(v).digest("hex");
        expect(doc.entries).to.deep.include({
            scope: "org",
            target: "acme",
            name: "NPM_TOKEN",
            valueHmac: hmac("npm-value-1"),
            updatedAt: "2026-11-26T12:00:00Z",
        });
        expect(doc.entries).to.deep.include({
            scope: "environment",
            target: "acme/api:production",
            name: "DATABASE_URL",
            valueHmac: hmac("postgres://u:p@h/db"),
            updatedAt: "2026-11-26T12:00:00Z",
        });
        expect(doc.entries).to.have.length(5);
        for (const v of ["npm-value-1", "reg-value-2", "postgres://u:p@h/db"]) {
            expect(text).to.not.contain(v);
        }
        // Not secret on purpose: a secret config would turn the sync-monitor's whole taskSpec secret.
        expect(await pulumi.isSecret(gh.attestations!)).to.equal(false);
    });

    it("refuses names that break GitHub's rules", () => {
        const bad = parseSyncConfig(
            "esc: { environment: a/b/c }\nsecrets:\n  - key: x.token\n    targets: [{ scope: repo, owner: acme, repo: api, name: GITHUB_TOKEN }]\n",
        );
        expect(
            () => new mod.GithubSecrets("t-gh-bad", { mapping: bad, values: { x: { token: "v" } }, token: "t" }),
        ).to.throw(/GITHUB_TOKEN \(must not start with GITHUB_, from ESC key x.token\)/);
    });

    describe(".valueAt", () => {
        it("reads dotted paths and returns undefined for missing ones", () => {
            expect(mod.valueAt(values, "api.databaseUrl")).to.equal("postgres://u:p@h/db");
            expect(mod.valueAt(values, "api.nope")).to.equal(undefined);
            expect(mod.valueAt(values, "github.npmToken.deeper")).to.equal(undefined);
        });
    });
});
