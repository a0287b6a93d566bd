import { expect } from "chai";
import { useWorld, adoptAll, baseConfig, seedAcme, REPO, GH_TOKEN, type Harness } from "./harness";
import { startFakeGitHub } from "../../support/fakeGitHub";
import { ReadPacer } from "../../../runtime/sync-monitor/src/readPacer";

const VALUES = { github: { npmToken: "npm-v1" }, api: { dbPassword: "db-v1", deployKey: "deploy-v1" } };
const SECRETS = ["github.npmToken", "api.dbPassword", "api.deployKey"];
/** The three list requests of baseConfig's targets (org, repo, environment). */
const LISTS = 3;

const listCalls = (h: Harness) => h.gh.calls.filter((c) => c.method === "GET" && /\/secrets$/.test(c.path));

async function steadyState(h: Harness): Promise<void> {
    await adoptAll(h);
    // The heals changed the lists: this check reads them (200) and stores the new ETags.
    await h.monitor.runCheck();
}

describe("sync-monitor conditional reads", function () {
    this.timeout(60_000);
    const world = useWorld();

    it("answers a steady-state check with 304s only: no primary rate-limit point, the stored lists reused", async () => {
        const h = await world.start({ config: baseConfig(), values: VALUES, secrets: SECRETS, seed: seedAcme });
        await steadyState(h);
        h.gh.resetCalls();
        const before = h.gh.primaryPointsUsed();
        const r = await h.monitor.runCheck();
        expect(r.status).to.equal("in_sync");
        expect(r.inSync).to.equal(3);
        expect(listCalls(h).map((c) => c.status)).to.deep.equal([304, 304, 304]);
        expect(h.gh.primaryPointsUsed() - before).to.equal(0);
        expect(r.github).to.deep.equal({
            requests: LISTS,
            notModified: LISTS,
            rateLimitPoints: 0,
            secondaryPoints: LISTS,
            fullReads: 0,
        });
        expect(await h.registry.metrics()).to.match(/secretsync_check_ratelimit_points\{limit="primary"\} 0/);
    });

    it("pays only for the list that changed, and still sees the change", async () => {
        const h = await world.start({ config: baseConfig(), values: VALUES, secrets: SECRETS, seed: seedAcme });
        await steadyState(h);
        h.gh.setSecret(REPO, "SOPHIA_DB_PASSWORD", "set-by-hand");
        h.gh.resetCalls();
        const r = await h.monitor.runCheck();
        expect(r.counts.tampered).to.equal(1);
        expect(r.github!.rateLimitPoints).to.equal(1);
        expect(
            listCalls(h)
                .filter((c) => c.status === 200)
                .map((c) => c.path),
        ).to.deep.equal(["/repos/acme/api/actions/secrets"]);
        expect(await h.registry.metrics()).to.match(/secretsync_check_ratelimit_points\{limit="primary"\} 1/);
    });

    it("keeps an ETag per page: a change on page 2 of a long list costs one point", async () => {
        const h = await world.start({
            config: baseConfig(),
            values: VALUES,
            secrets: SECRETS,
            seed: (gh) => {
                seedAcme(gh);
                // 150 unowned secrets before SOPHIA_DB_PASSWORD in name order: the list has two pages of 100.
                for (let i = 0; i < 150; i++) gh.setSecret(REPO, `OTHER_${String(i).padStart(3, "0")}`, "x");
            },
        });
        await steadyState(h);
        h.gh.setSecret(REPO, "OTHER_120", "changed");
        h.gh.resetCalls();
        const r = await h.monitor.runCheck();
        expect(r.status).to.equal("in_sync");
        const repoPages = h.gh.calls.filter((c) => c.path === "/repos/acme/api/actions/secrets");
        expect(repoPages.map((c) => c.status)).to.deep.equal([304, 200]);
        expect(r.github!.rateLimitPoints).to.equal(1);
        // A new secret changes total_count on page 1 and adds nothing else: both pages are read again.
        h.gh.setSecret(REPO, "OTHER_999", "new");
        h.gh.resetCalls();
        const r2 = await h.monitor.runCheck();
        expect(r2.github!.rateLimitPoints).to.equal(2);
        expect(r2.status).to.equal("in_sync");
    });

    it("survives a restart: the ETags and lists persisted in Postgres make the first check conditional", async () => {
        const h = await world.start({ config: baseConfig(), values: VALUES, secrets: SECRETS, seed: seedAcme });
        await steadyState(h);
        const { rows } = await h.pool.query("SELECT source, jsonb_array_length(pages) AS n FROM sync_list_cache");
        expect(rows.map((r) => r.source).sort()).to.deep.equal([
            "environment|acme/api:production",
            "org|acme",
            "repo|acme/api",
        ]);
        h.rebuild(); // a new monitor process on the same database: nothing in memory
        h.gh.resetCalls();
        const r = await h.monitor.runCheck();
        expect(r.status).to.equal("in_sync");
        expect(r.github!.rateLimitPoints).to.equal(0);
        expect(r.github!.fullReads).to.equal(0);
        expect(listCalls(h).every((c) => c.status === 304)).to.equal(true);
    });

    it("reads every list unconditionally once fullReadMinutes have passed (safety net), then goes back to 304s", async () => {
        const h = await world.start({
            config: baseConfig({ github: { fullReadMinutes: 60 } }),
            values: VALUES,
            secrets: SECRETS,
            seed: seedAcme,
        });
        await steadyState(h);
        h.clock.advance(59 * 60_000);
        expect((await h.monitor.runCheck()).github!.fullReads).to.equal(0);
        h.clock.advance(2 * 60_000);
        h.gh.resetCalls();
        const due = await h.monitor.runCheck();
        expect(due.github).to.include({ fullReads: LISTS, rateLimitPoints: LISTS, notModified: 0 });
        expect(listCalls(h).map((c) => c.status)).to.deep.equal([200, 200, 200]);
        const after = await h.monitor.runCheck();
        expect(after.github).to.include({ fullReads: 0, rateLimitPoints: 0 });
    });
});

describe("ReadPacer", () => {
    it("spaces read starts 60 s / readsPerMinute apart, in call order, without bursts", async () => {
        // Ten reads asked for at the same instant: each waits for its own slot, 100 ms after the previous one.
        const waits: number[] = [];
        const clock = { now: () => 1_000_000, sleep: async (ms: number) => void waits.push(ms) };
        const pacer = new ReadPacer(600, clock);
        await Promise.all(Array.from({ length: 10 }, () => pacer.take()));
        expect(waits).to.deep.equal([100, 200, 300, 400, 500, 600, 700, 800, 900]);
    });

    it("does not wait when reads are already further apart than the interval", async () => {
        let now = 0;
        const waits: number[] = [];
        const pacer = new ReadPacer(600, { now: () => now, sleep: async (ms: number) => void waits.push(ms) });
        for (let i = 0; i < 5; i++) {
            await pacer.take();
            now += 250;
        }
        expect(waits).to.deep.equal([]);
    });
});

describe("fake GitHub rate-limit accounting", () => {
    it("answers If-None-Match with 304 without spending a primary point, and enforces the secondary limit", async () => {
        const gh = await startFakeGitHub({ token: GH_TOKEN, secondaryPointsPerMinute: 5 });
        try {
            gh.addOrg("acme");
            const get = (etag?: string) =>
                fetch(`${gh.url}/orgs/acme/actions/secrets`, {
                    headers: { authorization: `Bearer ${GH_TOKEN}`, ...(etag ? { "if-none-match": etag } : {}) },
                });
            const first = await get();
            expect(first.status).to.equal(200);
            const etag = first.headers.get("etag")!;
            expect(etag).to.match(/^W\/"[0-9a-f]+"$/);
            const remaining = first.headers.get("x-ratelimit-remaining");
            const again = await get(etag);
            expect(again.status).to.equal(304);
            expect(again.headers.get("x-ratelimit-remaining")).to.equal(remaining);
            expect(gh.primaryPointsUsed()).to.equal(1);
            gh.setSecret({ scope: "org", owner: "acme" }, "A", "v");
            expect((await get(etag)).status).to.equal(200);
            // Five GETs (the 304 included) fill the minute's 5 secondary points; the sixth is refused.
            expect((await get()).status).to.equal(200);
            expect((await get()).status).to.equal(200);
            const limited = await get();
            expect(limited.status).to.equal(403);
            expect(limited.headers.get("retry-after")).to.equal("60");
            expect(((await limited.json()) as { message: string }).message).to.contain("secondary rate limit");
            expect(gh.secondaryLimited()).to.equal(1);
        } finally {
            await gh.close();
        }
    });
});
