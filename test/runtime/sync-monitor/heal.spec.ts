import { expect } from "chai";
import { useWorld, adoptAll, baseConfig, seedAcme, ORG, REPO, ENV, type Harness } from "./harness";

const VALUES = { github: { npmToken: "npm-v1" }, api: { dbPassword: "db-v1", deployKey: "deploy-v1" } };
const SECRETS = ["github.npmToken", "api.dbPassword", "api.deployKey"];
const ENV_REF = "sophia/platform/prod";

describe("sync-monitor heal", function () {
    this.timeout(60_000);
    const world = useWorld();
    let h: Harness;

    it("is off by default: drift is reported, nothing is written or proposed", async () => {
        const cfg = baseConfig();
        delete (cfg as { heal?: unknown }).heal;
        h = await world.start({ config: cfg, values: VALUES, secrets: SECRETS, seed: seedAcme });
        const r = await h.monitor.runCheck({ heal: true });
        expect(r.counts.missing).to.equal(3);
        expect(r.heals.map((x) => x.outcome)).to.deep.equal(Array(3).fill("not run (heal.enabled is false)"));
        expect(h.gh.names(ORG)).to.deep.equal([]);
        expect(await h.monitor.heals()).to.deep.equal([]);
    });

    it("first pushes without a ledger entry are high risk and wait for approval", async () => {
        h = await world.start({ config: baseConfig(), values: VALUES, secrets: SECRETS, seed: seedAcme });
        const r = await h.monitor.runCheck({ heal: true });
        expect(r.heals.map((x) => `${x.risk}:${x.kind}:${x.outcome}`)).to.deep.equal(
            Array(3).fill("high:missing:awaiting approval"),
        );
        expect(h.gh.names(REPO)).to.deep.equal([]);
        // A second check does not duplicate the proposals.
        await h.monitor.runCheck({ heal: true });
        const heals = await h.monitor.heals();
        expect(heals).to.have.length(3);
        const repoHeal = heals.find((x) => x.name === "SOPHIA_DB_PASSWORD")!;
        expect(repoHeal.status).to.equal("pending");
        const approved = await h.monitor.approve(repoHeal.id);
        expect(approved.status).to.equal("approved");
        const r2 = await h.monitor.runCheck({ heal: true });
        expect(r2.heals.find((x) => x.id === repoHeal.id)!.outcome).to.equal("pushed (HTTP 201)");
        expect(h.gh.value(REPO, "SOPHIA_DB_PASSWORD")).to.equal("db-v1");
        expect(h.gh.names(ORG)).to.deep.equal([]); // the others still wait
        expect((await h.ledger.heal(repoHeal.id))!.status).to.equal("done");
        // Approving twice is a conflict.
        try {
            await h.monitor.approve(repoHeal.id);
            expect.fail("approve should throw");
        } catch (e) {
            expect((e as { statusCode: number }).statusCode).to.equal(409);
        }
    });

    it("heals stale secrets automatically (low risk), records 204, and re-verifies in the next check", async () => {
        h = await world.start({ config: baseConfig(), values: VALUES, secrets: SECRETS, seed: seedAcme });
        await adoptAll(h);
        h.esc.setEnvironment(
            ENV_REF,
            { github: { npmToken: "npm-v2" }, api: { dbPassword: "db-v2", deployKey: "deploy-v1" } },
            SECRETS,
        );
        const r = await h.monitor.runCheck({ heal: true });
        expect(r.counts.stale).to.equal(2);
        expect(r.heals.map((x) => `${x.risk}:${x.name}:${x.outcome}`).sort()).to.deep.equal([
            "low:NPM_TOKEN:pushed (HTTP 204)",
            "low:SOPHIA_DB_PASSWORD:pushed (HTTP 204)",
        ]);
        expect(h.gh.value(ORG, "NPM_TOKEN")).to.equal("npm-v2");
        expect(h.gh.value(REPO, "SOPHIA_DB_PASSWORD")).to.equal("db-v2");
        const { rows } = await h.pool.query(
            "SELECT name, gh_status, esc_revision FROM sync_ledger WHERE name IN ('NPM_TOKEN','SOPHIA_DB_PASSWORD') ORDER BY name",
        );
        expect(rows).to.deep.equal([
            { name: "NPM_TOKEN", gh_status: 204, esc_revision: 2 },
            { name: "SOPHIA_DB_PASSWORD", gh_status: 204, esc_revision: 2 },
        ]);
        expect((await h.monitor.runCheck()).status).to.equal("in_sync");
        const heals = await h.registry.getSingleMetricAsString("secretsync_heals_total");
        expect(heals).to.contain('secretsync_heals_total{outcome="done",risk="high"} 3'); // the approved first pushes
        expect(heals).to.contain('secretsync_heals_total{outcome="done",risk="low"} 2');
    });

    it("re-creates a secret deleted out of band when the ledger proves ownership (low risk, 201)", async () => {
        h = await world.start({ config: baseConfig(), values: VALUES, secrets: SECRETS, seed: seedAcme });
        await adoptAll(h);
        h.gh.deleteSecret(ENV, "SOPHIA_DEPLOY_KEY");
        const r = await h.monitor.runCheck({ heal: true });
        expect(r.heals).to.have.length(1);
        expect(r.heals[0]).to.include({ risk: "low", kind: "missing", outcome: "pushed (HTTP 201)" });
        expect(h.gh.value(ENV, "SOPHIA_DEPLOY_KEY")).to.equal("deploy-v1");
    });

    it("treats tampered secrets and org secrets visible to all repositories as high risk", async () => {
        const cfg = baseConfig({
            secrets: [
                { key: "github.npmToken", targets: [{ scope: "org", owner: "acme", visibility: "all" }] },
                {
                    key: "api.dbPassword",
                    targets: [{ scope: "repo", owner: "acme", repo: "api", name: "SOPHIA_DB_PASSWORD" }],
                },
            ],
        });
        h = await world.start({ config: cfg, values: VALUES, secrets: SECRETS, seed: seedAcme });
        await adoptAll(h);
        expect(h.gh.meta(ORG, "NPM_TOKEN")!.visibility).to.equal("all");
        h.esc.setEnvironment(ENV_REF, { ...VALUES, github: { npmToken: "npm-v2" } }, SECRETS);
        h.gh.setSecret(REPO, "SOPHIA_DB_PASSWORD", "edited-by-hand");
        const r = await h.monitor.runCheck({ heal: true });
        expect(r.heals.map((x) => `${x.risk}:${x.kind}:${x.name}:${x.outcome}`).sort()).to.deep.equal([
            "high:stale:NPM_TOKEN:awaiting approval",
            "high:tampered:SOPHIA_DB_PASSWORD:awaiting approval",
        ]);
        expect(h.gh.value(REPO, "SOPHIA_DB_PASSWORD")).to.equal("edited-by-hand");
        expect(h.gh.value(ORG, "NPM_TOKEN")).to.equal("npm-v1");
    });

    it("closes an approved heal whose drift disappeared instead of running it later", async () => {
        h = await world.start({ config: baseConfig(), values: VALUES, secrets: SECRETS, seed: seedAcme });
        await adoptAll(h);
        h.gh.setSecret(REPO, "SOPHIA_DB_PASSWORD", "edited-by-hand");
        await h.monitor.runCheck({ heal: true });
        const pending = (await h.monitor.heals()).find((x) => x.status === "pending")!;
        await h.monitor.approve(pending.id);
        // Someone reverts by re-adopting through the ledger (simulated: the ledger now matches GitHub's timestamp).
        await h.pool.query(
            "UPDATE sync_ledger SET gh_updated_at = now() + interval '1 hour' WHERE name = 'SOPHIA_DB_PASSWORD'",
        );
        await h.monitor.runCheck({ heal: true });
        const after = (await h.ledger.heal(pending.id))!;
        expect(after.status).to.equal("skipped");
        expect(after.outcome).to.equal("drift no longer present");
        expect(h.gh.value(REPO, "SOPHIA_DB_PASSWORD")).to.equal("edited-by-hand");
    });

    it("re-asks for approval when a deferred low-risk heal becomes high risk", async () => {
        h = await world.start({
            config: baseConfig(),
            values: VALUES,
            secrets: SECRETS,
            seed: seedAcme,
            budget: { perMinute: 3 },
        });
        await adoptAll(h); // spends the 3 writes of this minute
        h.esc.setEnvironment(ENV_REF, { ...VALUES, api: { ...VALUES.api, dbPassword: "db-v2" } }, SECRETS);
        const deferred = await h.monitor.runCheck({ heal: true });
        expect(deferred.heals.map((x) => `${x.risk}:${x.outcome}`)).to.deep.equal(["low:deferred (minute_budget)"]);
        h.gh.setSecret(REPO, "SOPHIA_DB_PASSWORD", "edited-by-hand");
        h.clock.advance(61_000);
        const r = await h.monitor.runCheck({ heal: true });
        expect(r.heals.map((x) => `${x.risk}:${x.kind}:${x.outcome}`)).to.deep.equal([
            "high:tampered:awaiting approval",
        ]);
        expect(h.gh.value(REPO, "SOPHIA_DB_PASSWORD")).to.equal("edited-by-hand");
        const old = (await h.monitor.heals()).find((x) => x.id === deferred.heals[0].id)!;
        expect(old).to.include({ status: "skipped", outcome: "risk rose to high; re-proposed for approval" });
    });

    it("deletes only extras the ledger owns, and only after approval", async () => {
        const cfg = baseConfig({ heal: { enabled: true, deleteExtras: true } });
        h = await world.start({ config: cfg, values: VALUES, secrets: SECRETS, seed: seedAcme });
        await adoptAll(h);
        h.gh.setSecret(REPO, "SOPHIA_NOT_OURS", "someone-elses");
        // Drop the DB password from the mapping: the ledger owns it, so it becomes an owned extra.
        const smaller = baseConfig({ heal: { enabled: true, deleteExtras: true } });
        (smaller as { secrets: unknown[] }).secrets = (smaller.secrets as unknown[]).filter(
            (s) => (s as { key: string }).key !== "api.dbPassword",
        );
        h.rebuild(smaller);
        const r = await h.monitor.runCheck({ heal: true });
        expect(
            r.drift
                .filter((d) => d.kind === "extra")
                .map((d) => d.name)
                .sort(),
        ).to.deep.equal(["SOPHIA_DB_PASSWORD", "SOPHIA_NOT_OURS"]);
        expect(r.heals.map((x) => `${x.action}:${x.risk}:${x.name}:${x.outcome}`)).to.deep.equal([
            "delete:high:SOPHIA_DB_PASSWORD:awaiting approval",
        ]);
        const del = (await h.monitor.heals()).find((x) => x.action === "delete")!;
        await h.monitor.approve(del.id);
        const r2 = await h.monitor.runCheck({ heal: true });
        expect(r2.heals.find((x) => x.id === del.id)!.outcome).to.equal("deleted");
        expect(h.gh.names(REPO)).to.deep.equal(["SOPHIA_NOT_OURS"]);
        const { rows } = await h.pool.query("SELECT name FROM sync_ledger WHERE name = 'SOPHIA_DB_PASSWORD'");
        expect(rows).to.deep.equal([]);
    });

    it("refuses at execution time to delete a secret the ledger no longer owns", async () => {
        const cfg = baseConfig({ heal: { enabled: true, deleteExtras: true } });
        h = await world.start({ config: cfg, values: VALUES, secrets: SECRETS, seed: seedAcme });
        await adoptAll(h);
        const smaller = baseConfig({ heal: { enabled: true, deleteExtras: true } });
        (smaller as { secrets: unknown[] }).secrets = (smaller.secrets as unknown[]).filter(
            (s) => (s as { key: string }).key !== "api.dbPassword",
        );
        h.rebuild(smaller);
        await h.monitor.runCheck({ heal: true });
        const del = (await h.monitor.heals()).find((x) => x.action === "delete")!;
        await h.monitor.approve(del.id);
        // Ownership disappears between approval and execution; the ledger row is the only proof we accept.
        await h.ledger.forget("repo", "acme/api", "SOPHIA_DB_PASSWORD");
        await h.monitor.runCheck({ heal: true });
        expect(h.gh.names(REPO)).to.include("SOPHIA_DB_PASSWORD");
        expect(h.gh.calls.filter((c) => c.method === "DELETE")).to.deep.equal([]);
    });

    it("spends writes within the budget: spaced by minWriteIntervalMs, capped per minute, deferred beyond", async () => {
        const many = { ...VALUES, extra: { a: "a1", b: "b1", c: "c1", d: "d1" } };
        const keys = [...SECRETS, "extra.a", "extra.b", "extra.c", "extra.d"];
        const cfg = baseConfig({
            secrets: ["a", "b", "c", "d"].map((k) => ({
                key: `extra.${k}`,
                targets: [{ scope: "repo", owner: "acme", repo: "api", name: `SOPHIA_${k.toUpperCase()}` }],
            })),
        });
        h = await world.start({
            config: cfg,
            values: many,
            secrets: keys,
            seed: seedAcme,
            budget: { perMinute: 3, perHour: 100, minIntervalMs: 1000 },
        });
        await h.monitor.runCheck({ heal: true });
        for (const heal of await h.monitor.heals()) await h.monitor.approve(heal.id);
        const r = await h.monitor.runCheck({ heal: true });
        const outcomes = r.heals.map((x) => x.outcome);
        expect(outcomes.filter((o) => o === "pushed (HTTP 201)")).to.have.length(3);
        expect(outcomes.filter((o) => o === "deferred (minute_budget)")).to.have.length(1);
        expect(h.gh.calls.filter((c) => c.method === "PUT")).to.have.length(3);
        // Spacing: the 2nd and 3rd write waited on the (test) clock; the first did not.
        expect(h.clock.sleeps).to.have.length(2);
        for (const s of h.clock.sleeps) expect(s).to.be.within(1, 1000);
        // A minute later the deferred heal runs.
        h.clock.advance(61_000);
        const r2 = await h.monitor.runCheck({ heal: true });
        expect(r2.heals.map((x) => x.outcome)).to.deep.equal(["pushed (HTTP 201)"]);
        expect(h.gh.names(REPO)).to.deep.equal(["SOPHIA_A", "SOPHIA_B", "SOPHIA_C", "SOPHIA_D"]);
    });

    it("pauses writes after a 403 on a write, honouring retry-after, and applies cooldown and maxAttempts", async () => {
        h = await world.start({
            config: baseConfig({ heal: { enabled: true, cooldownMinutes: 30, maxAttempts: 2 } }),
            values: VALUES,
            secrets: SECRETS,
            seed: seedAcme,
        });
        await adoptAll(h);
        h.esc.setEnvironment(ENV_REF, { ...VALUES, api: { ...VALUES.api, dbPassword: "db-v2" } }, SECRETS);
        h.gh.fail({
            method: "PUT",
            path: "/repos/acme/api/actions/secrets/",
            status: 403,
            times: 1,
            headers: { "retry-after": "120" },
            body: { message: "Resource not accessible by integration" },
        });
        const r = await h.monitor.runCheck({ heal: true });
        expect(r.heals[0].outcome).to.match(
            /^failed: heal put acme\/api SOPHIA_DB_PASSWORD: PUT .* failed with HTTP 403/,
        );
        expect(h.budget.pausedUntil).to.equal(h.clock.now() + 120_000);
        // Within the cooldown nothing is attempted.
        h.clock.advance(10 * 60_000);
        const r2 = await h.monitor.runCheck({ heal: true });
        expect(r2.heals[0].outcome).to.equal("deferred (cooldown after a failed attempt)");
        // After the cooldown a second failure reaches maxAttempts.
        h.clock.advance(31 * 60_000);
        h.gh.fail({ method: "PUT", path: "/repos/acme/api/actions/secrets/", status: 500, times: 5 });
        const r3 = await h.monitor.runCheck({ heal: true });
        expect(r3.heals[0].outcome).to.match(/^failed: .*HTTP 500/);
        h.clock.advance(31 * 60_000);
        const r4 = await h.monitor.runCheck({ heal: true });
        expect(r4.heals[0].outcome).to.equal("gave up (heal.maxAttempts reached)");
        expect(h.gh.value(REPO, "SOPHIA_DB_PASSWORD")).to.equal("db-v1");
    });

    it("refetches the public key once on 422 (rotated key) and succeeds", async () => {
        h = await world.start({ config: baseConfig(), values: VALUES, secrets: SECRETS, seed: seedAcme });
        await adoptAll(h);
        h.gh.rotateKey(REPO);
        h.esc.setEnvironment(ENV_REF, { ...VALUES, api: { ...VALUES.api, dbPassword: "db-v3" } }, SECRETS);
        h.gh.resetCalls();
        const r = await h.monitor.runCheck({ heal: true });
        expect(r.heals[0].outcome).to.equal("pushed (HTTP 204)");
        expect(h.gh.value(REPO, "SOPHIA_DB_PASSWORD")).to.equal("db-v3");
        const puts = h.gh.calls.filter((c) => c.method === "PUT").map((c) => c.status);
        expect(puts).to.deep.equal([422, 204]);
        expect(h.gh.calls.filter((c) => c.path.endsWith("/public-key"))).to.have.length(1);
    });

    it("pushes a `selected` org secret with the ids of its selectedRepositories", async () => {
        const cfg = baseConfig({
            secrets: [
                {
                    key: "github.npmToken",
                    targets: [{ scope: "org", owner: "acme", visibility: "selected", selectedRepositories: ["api"] }],
                },
            ],
        });
        let apiId = 0;
        h = await world.start({
            config: cfg,
            values: VALUES,
            secrets: SECRETS,
            seed: (gh) => {
                gh.addOrg("acme");
                apiId = gh.addRepo("acme", "api", { private: false });
                gh.addRepo("acme", "web", { private: false });
            },
        });
        await adoptAll(h);
        expect(h.gh.value(ORG, "NPM_TOKEN")).to.equal("npm-v1");
        expect(h.gh.meta(ORG, "NPM_TOKEN")!.visibility).to.equal("selected");
        const visible = async (repo: string) => (await h.github.listRepoOrgSecrets("acme", repo)).map((s) => s.name);
        expect(apiId).to.be.greaterThan(0);
        expect(await visible("api")).to.deep.equal(["NPM_TOKEN"]);
        expect(await visible("web")).to.deep.equal([]);
    });

    it("--dry-run style checks plan without writing anything", async () => {
        h = await world.start({ config: baseConfig(), values: VALUES, secrets: SECRETS, seed: seedAcme });
        await adoptAll(h);
        h.esc.setEnvironment(ENV_REF, { ...VALUES, api: { ...VALUES.api, dbPassword: "db-v2" } }, SECRETS);
        const before = (await h.monitor.heals()).length;
        const checks = await h.ledger.checkCount();
        h.gh.resetCalls();
        const r = await h.monitor.runCheck({ dryRun: true });
        expect(r.plan).to.deep.equal([
            {
                action: "put",
                risk: "low",
                kind: "stale",
                scope: "repo",
                target: "acme/api",
                name: "SOPHIA_DB_PASSWORD",
                reason: "ESC value changed since our last write",
                wouldRun: "automatically",
            },
        ]);
        expect(h.gh.calls.filter((c) => c.method !== "GET")).to.deep.equal([]);
        expect((await h.monitor.heals()).length).to.equal(before);
        expect(await h.ledger.checkCount()).to.equal(checks);
    });
});
