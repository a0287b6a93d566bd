import { expect } from "chai";
import { useWorld, adoptAll, baseConfig, seedAcme, ORG, REPO, ENV, type Harness } from "./harness";

const VALUES = {
    github: { npmToken: "npm-value-1" },
    api: { dbPassword: "db-value-1", deployKey: "deploy-value-1" },
    plain: { region: "eu-west-1" },
};
const SECRETS = ["github.npmToken", "api.dbPassword", "api.deployKey"];

describe("sync-monitor drift detection", function () {
    this.timeout(60_000);
    const world = useWorld();
    let h: Harness;

    it("reports every mapped secret as missing when GitHub has none, without a false in_sync", async () => {
        h = await world.start({ config: baseConfig(), values: VALUES, secrets: SECRETS, seed: seedAcme });
        const r = await h.monitor.runCheck();
        expect(r.status).to.equal("drift");
        expect(r.escRevision).to.equal(1);
        expect(
            r.drift
                .filter((d) => d.kind === "missing")
                .map((d) => `${d.scope}:${d.target}:${d.name}`)
                .sort(),
        ).to.deep.equal([
            "environment:acme/api:production:SOPHIA_DEPLOY_KEY",
            "org:acme:NPM_TOKEN",
            "repo:acme/api:SOPHIA_DB_PASSWORD",
        ]);
        expect(r.healthPercent).to.equal(0);
        expect(r.expected).to.equal(3);
    });

    it("is in sync after the heals are approved, and records HMACs (not values) with 201 in the ledger", async () => {
        h = await world.start({ config: baseConfig(), values: VALUES, secrets: SECRETS, seed: seedAcme });
        await adoptAll(h);
        expect(h.gh.value(ORG, "NPM_TOKEN")).to.equal("npm-value-1");
        expect(h.gh.value(REPO, "SOPHIA_DB_PASSWORD")).to.equal("db-value-1");
        expect(h.gh.value(ENV, "SOPHIA_DEPLOY_KEY")).to.equal("deploy-value-1");
        const r = await h.monitor.runCheck();
        expect(r.status).to.equal("in_sync");
        expect(r.healthPercent).to.equal(100);
        const { rows } = await h.pool.query("SELECT * FROM sync_ledger ORDER BY name");
        expect(rows).to.have.length(3);
        for (const row of rows) {
            expect(row.gh_status).to.equal(201);
            expect(row.value_hmac).to.match(/^[0-9a-f]{64}$/);
            expect(row.esc_revision).to.equal(1);
        }
        const dump = JSON.stringify(rows);
        for (const v of ["npm-value-1", "db-value-1", "deploy-value-1"]) expect(dump).not.to.contain(v);
    });

    it("detects stale (ESC changed), tampered (GitHub changed), extra, unverifiable and shadowed", async () => {
        h = await world.start({
            config: baseConfig({
                secrets: [
                    ...(baseConfig().secrets as unknown[]),
                    {
                        key: "api.preexisting",
                        targets: [{ scope: "repo", owner: "acme", repo: "api", name: "SOPHIA_PRE" }],
                    },
                ],
            }),
            values: { ...VALUES, api: { ...VALUES.api, preexisting: "pre-value" } },
            secrets: [...SECRETS, "api.preexisting"],
            seed: (gh) => {
                seedAcme(gh);
                gh.setSecret(REPO, "SOPHIA_PRE", "set-by-a-human");
            },
        });
        // Adopt everything except SOPHIA_PRE, which stays unverifiable.
        await h.monitor.runCheck({ heal: true });
        for (const heal of await h.monitor.heals())
            if (heal.status === "pending" && heal.name !== "SOPHIA_PRE") await h.monitor.approve(heal.id);
        await h.monitor.runCheck({ heal: true });

        h.esc.setEnvironment(
            "sophia/platform/prod",
            { ...VALUES, github: { npmToken: "npm-value-2" }, api: { ...VALUES.api, preexisting: "pre-value" } },
            [...SECRETS, "api.preexisting"],
        );
        h.gh.setSecret(REPO, "SOPHIA_DB_PASSWORD", "changed-in-github");
        h.gh.setSecret(REPO, "SOPHIA_LEFTOVER", "x1");
        h.gh.setSecret(REPO, "UNRELATED_SECRET", "x2");
        h.gh.setSecret(ENV, "NPM_TOKEN", "env-level-copy");

        const r = await h.monitor.runCheck();
        const kinds = r.drift.map((d) => `${d.kind}:${d.name}`).sort();
        // UNRELATED_SECRET does not match nameRules.ownedPattern and is not in the ledger, so it is not `extra`.
        expect(kinds).to.deep.equal([
            "extra:SOPHIA_LEFTOVER",
            "shadowed:NPM_TOKEN",
            "stale:NPM_TOKEN",
            "tampered:SOPHIA_DB_PASSWORD",
            "unverifiable:SOPHIA_PRE",
        ]);
        expect(r.escRevision).to.equal(2);
        expect(r.counts).to.include({ stale: 1, tampered: 1, extra: 1, unverifiable: 1, shadowed: 1, missing: 0 });
        expect(r.expected).to.equal(4);
        expect(r.inSync).to.equal(1);
        expect(r.healthPercent).to.equal(25);
        const shadow = r.drift.find((d) => d.kind === "shadowed")!;
        expect(shadow).to.include({ scope: "environment", target: "acme/api:production" });
        expect(await h.registry.getSingleMetricAsString("secretsync_drift")).to.contain(
            'secretsync_drift{kind="stale"} 1',
        );
    });

    it("reports invalid names and never pushes them", async () => {
        h = await world.start({
            config: baseConfig({
                secrets: [
                    {
                        key: "github.npmToken",
                        targets: [
                            { scope: "repo", owner: "acme", repo: "api", name: "GITHUB_NPM" },
                            { scope: "repo", owner: "acme", repo: "api", name: "bad-name" },
                        ],
                    },
                    {
                        key: "api.missingKey",
                        targets: [{ scope: "repo", owner: "acme", repo: "api", name: "SOPHIA_NOPE" }],
                    },
                ],
            }),
            values: VALUES,
            secrets: SECRETS,
            seed: seedAcme,
        });
        const r = await h.monitor.runCheck({ heal: true });
        expect(r.drift.map((d) => `${d.kind}:${d.name}`).sort()).to.deep.equal([
            "invalid:BAD-NAME",
            "invalid:GITHUB_NPM",
            "invalid:SOPHIA_NOPE",
        ]);
        expect(r.drift.find((d) => d.name === "GITHUB_NPM")!.detail).to.contain("GITHUB_");
        expect(r.drift.find((d) => d.name === "SOPHIA_NOPE")!.detail).to.contain("ESC key not found");
        expect(h.gh.names(REPO)).to.deep.equal([]);
        expect(await h.monitor.heals()).to.have.length(0);
    });

    it("marks a target incomplete on 5xx instead of reporting missing, and counts failed checks to a critical alert", async () => {
        h = await world.start({ config: baseConfig(), values: VALUES, secrets: SECRETS, seed: seedAcme });
        await adoptAll(h);
        h.gh.fail({ method: "GET", path: /^\/repos\/acme\/api\/actions\/secrets$/, status: 502, times: 100 });
        for (let i = 1; i <= 3; i++) {
            const r = await h.monitor.runCheck();
            expect(r.status).to.equal("incomplete");
            expect(r.consecutiveFailures).to.equal(i);
            expect(r.incompleteTargets.map((t) => t.target)).to.deep.equal(["acme/api"]);
            expect(r.incompleteTargets[0].reason).to.contain("502");
            expect(r.drift.filter((d) => d.kind === "missing")).to.deep.equal([]);
            // The targets that were read are still judged.
            expect(r.expected).to.equal(2);
        }
        const critical = h.am.posted.filter((a) => a.labels.alertname === "SecretSyncCheckFailing");
        expect(critical).to.have.length(1);
        expect(critical[0].labels).to.include({ severity: "critical", drift: "check" });
    });

    it("fails the whole check (status failed) when ESC cannot be read", async () => {
        h = await world.start({ config: baseConfig(), values: VALUES, secrets: SECRETS, seed: seedAcme });
        h.esc.fail({ path: "/versions", status: 500, times: 1 });
        const r = await h.monitor.runCheck();
        expect(r.status).to.equal("failed");
        expect(r.error).to.contain("reading ESC environment sophia/platform/prod").and.contain("500");
        expect(r.drift).to.deep.equal([]);
    });

    it("honours a secondary rate limit with retry-after and completes the check", async () => {
        h = await world.start({ config: baseConfig(), values: VALUES, secrets: SECRETS, seed: seedAcme });
        h.gh.fail({
            method: "GET",
            path: /^\/repos\/acme\/api\/actions\/secrets$/,
            status: 403,
            times: 1,
            headers: { "retry-after": "3" },
            body: {
                message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
            },
        });
        const r = await h.monitor.runCheck();
        expect(r.status).to.equal("drift");
        expect(r.incompleteTargets).to.deep.equal([]);
        const limitLog = h.logs.map((l) => JSON.parse(l)).find((l) => l.msg === "GitHub rate limit");
        expect(limitLog).to.include({ kind: "secondary", retryAfterSeconds: 3, retrying: true });
    });

    it("uses the fallback wait for a 429 secondary limit without retry-after and gives up into incomplete", async () => {
        h = await world.start({ config: baseConfig(), values: VALUES, secrets: SECRETS, seed: seedAcme });
        h.gh.fail({
            method: "GET",
            path: /^\/orgs\/acme\/actions\/secrets$/,
            status: 429,
            times: 10,
            body: { message: "You have exceeded a secondary rate limit." },
        });
        const r = await h.monitor.runCheck();
        expect(r.status).to.equal("incomplete");
        expect(r.incompleteTargets.map((t) => t.target)).to.deep.equal(["acme"]);
        const limits = h.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === "GitHub rate limit");
        expect(limits.map((l) => l.retryAfterSeconds)).to.deep.equal([2, 2, 2]); // fallback (test: 2 s), no header
        expect(limits.map((l) => l.retrying)).to.deep.equal([true, true, false]);
    });

    it("waits for x-ratelimit-reset on a primary rate limit", async () => {
        h = await world.start({ config: baseConfig(), values: VALUES, secrets: SECRETS, seed: seedAcme });
        h.gh.fail({
            method: "GET",
            path: /^\/orgs\/acme\/actions\/secrets$/,
            status: 403,
            times: 1,
            headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 4) },
            body: { message: "API rate limit exceeded for user." },
        });
        const r = await h.monitor.runCheck();
        expect(r.incompleteTargets).to.deep.equal([]);
        const limit = h.logs.map((l) => JSON.parse(l)).find((l) => l.msg === "GitHub rate limit");
        expect(limit.kind).to.equal("primary");
        expect(limit.retryAfterSeconds).to.be.within(3, 6);
    });

    it("follows link pagination at 100 per page", async () => {
        h = await world.start({
            config: baseConfig(),
            values: VALUES,
            secrets: SECRETS,
            seed: (gh) => {
                seedAcme(gh);
                for (let i = 0; i < 250; i++) gh.setSecret(REPO, `OTHER_${String(i).padStart(3, "0")}`, "v");
                gh.setSecret(REPO, "ZZZ_LAST", "v"); // sorts onto page 3
            },
        });
        h.gh.resetCalls();
        await h.monitor.runCheck();
        const listCalls = h.gh.calls.filter((c) => c.path === "/repos/acme/api/actions/secrets");
        expect(listCalls).to.have.length(3);
        // The ZZZ_LAST secret on the last page was seen: the per-repo org-visibility read needs no extra pages.
        const r = h.monitor.lastReport()!;
        expect(r.drift.find((d) => d.name === "SOPHIA_DB_PASSWORD")!.kind).to.equal("missing");
    });

    it("without ALERTMANAGER_URL logs alert transitions once and exposes them, posting nothing", async () => {
        h = await world.start({
            config: baseConfig(),
            values: VALUES,
            secrets: SECRETS,
            seed: seedAcme,
            alertmanager: "none",
        });
        await h.monitor.runCheck();
        await h.monitor.runCheck();
        expect(h.am.posts()).to.equal(0);
        expect(
            h.monitor
                .alerts()
                .map((a) => a.labels.alertname)
                .sort(),
        ).to.deep.equal(["SecretSyncDrift", "SecretSyncDrift", "SecretSyncDrift", "SecretSyncHealthLow"]);
        const firing = h.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === "alert firing");
        expect(firing).to.have.length(4); // once per alert, not once per check
    });

    it("alerts below the health threshold with stable labels and resolves alerts that stop firing", async () => {
        h = await world.start({ config: baseConfig(), values: VALUES, secrets: SECRETS, seed: seedAcme });
        await h.monitor.runCheck();
        const firing = h.monitor.alerts();
        const health = firing.find((a) => a.labels.alertname === "SecretSyncHealthLow")!;
        expect(health.labels).to.deep.equal({
            alertname: "SecretSyncHealthLow",
            secret: "*",
            target: "sophia/platform/prod",
            drift: "health",
            severity: "warning",
        });
        const missing = firing.find((a) => a.labels.secret === "NPM_TOKEN")!;
        expect(missing.labels).to.deep.equal({
            alertname: "SecretSyncDrift",
            secret: "NPM_TOKEN",
            target: "org:acme",
            drift: "missing",
            severity: "warning",
        });
        const postsBefore = h.am.posted.length;
        await adoptAll(h);
        await h.monitor.runCheck();
        expect(h.monitor.alerts()).to.deep.equal([]);
        const resolved = h.am.posted
            .slice(postsBefore)
            .filter((a) => a.labels.secret === "NPM_TOKEN" && a.labels.drift === "missing");
        expect(Date.parse(resolved[resolved.length - 1].endsAt!)).to.be.at.most(h.clock.now());
        const text = await h.registry.getSingleMetricAsString("secretsync_alert_posts_total");
        expect(text).to.match(/secretsync_alert_posts_total\{outcome="ok"\} [1-9]/);
    });
});
