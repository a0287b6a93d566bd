import { expect } from "chai";
import { Pool } from "pg";
import { createHash } from "node:crypto";
import { startPostgres, type PostgresServer } from "../../support/postgresServer";
import { Ledger, valueHmac } from "../../../runtime/sync-monitor/src/ledger";

describe("sync-monitor Ledger", function () {
    this.timeout(60_000);
    let pg: PostgresServer;
    let pool: Pool;
    let ledger: Ledger;
    before(async () => {
        pg = await startPostgres();
        pool = new Pool({ connectionString: pg.url, max: 6 });
        pool.on("error", () => undefined);
        ledger = new Ledger(pool);
    });
    after(async () => {
        await pool?.end();
        await pg?.stop();
    });

    it("#migrate creates the schema once, also when replicas migrate concurrently", async () => {
        const versions = await Promise.all([ledger.migrate(), new Ledger(pool).migrate(), new Ledger(pool).migrate()]);
        expect(new Set(versions).size).to.equal(1);
        const { rows } = await pool.query("SELECT version FROM sync_schema_migrations ORDER BY version");
        expect(rows.map((r) => r.version)).to.deep.equal(Array.from({ length: versions[0] }, (_, i) => i + 1));
        await ledger.migrate();
        const again = await pool.query("SELECT count(*)::int AS n FROM sync_schema_migrations");
        expect(again.rows[0].n).to.equal(versions[0]);
    });

    it("#pruneChecks keeps 30 days of history", async () => {
        const now = new Date("2026-06-30T12:00:00Z");
        for (const daysAgo of [0, 10, 29, 31, 45]) {
            const t = new Date(now.getTime() - daysAgo * 86_400_000);
            await ledger.recordCheck(t, t, "in_sync", 100, { daysAgo });
        }
        expect(await ledger.pruneChecks(now, 30)).to.equal(2);
        const { rows } = await pool.query("SELECT report->>'daysAgo' AS d FROM sync_checks ORDER BY started_at DESC");
        expect(rows.map((r) => Number(r.d))).to.deep.equal([0, 10, 29]);
    });

    it("valueHmac is keyed: same value, different keys differ, and it is not the plain SHA-256", () => {
        const a = valueHmac(Buffer.from("key-one-key-one-key-one-key-one!"), "hunter2");
        const b = valueHmac(Buffer.from("key-two-key-two-key-two-key-two!"), "hunter2");
        expect(a).to.match(/^[0-9a-f]{64}$/);
        expect(a).not.to.equal(b);
        expect(a).not.to.equal(createHash("sha256").update("hunter2").digest("hex"));
    });

    it("#record upserts per (scope, target, name)", async () => {
        const base = {
            scope: "repo",
            target: "o/r",
            name: "X",
            escEnv: "a/b/c",
            valueHmac: "00",
            pushedAt: new Date(),
            ghUpdatedAt: new Date(),
            ghStatus: 201,
        };
        await ledger.record({ ...base, escRevision: 1 });
        await ledger.record({ ...base, escRevision: 2, ghStatus: 204 });
        const e = (await ledger.entries()).get("repo|o/r|X")!;
        expect(e.escRevision).to.equal(2);
        expect(e.ghStatus).to.equal(204);
    });
});
