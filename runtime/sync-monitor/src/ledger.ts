/**
 * The ledger in Postgres: what the monitor last wrote to GitHub, as an HMAC of the value (never the value), plus check
 * history and heal records. The schema is created and migrated by the service under an advisory lock.
 */
import { createHmac, randomUUID } from "node:crypto";
import type { Pool } from "pg";

/** One row of the ledger: our last successful write of a secret. */
export interface LedgerEntry {
    readonly scope: string;
    readonly target: string;
    readonly name: string;
    readonly escEnv: string;
    readonly escRevision: number;
    readonly valueHmac: string;
    readonly pushedAt: Date;
    /** GitHub's `updated_at` as listed right after our write. */
    readonly ghUpdatedAt: Date;
    /** 201 created or 204 updated. */
    readonly ghStatus: number;
}

/** A heal proposal or its result. */
export interface HealRecord {
    readonly id: string;
    readonly action: "put" | "delete";
    readonly risk: "low" | "high";
    readonly kind: string;
    readonly scope: string;
    readonly target: string;
    readonly name: string;
    readonly status: "pending" | "approved" | "done" | "failed" | "skipped";
    readonly reason: string;
    readonly outcome: string | null;
    readonly createdAt: Date;
    readonly updatedAt: Date;
    readonly approvedAt: Date | null;
}

const MIGRATIONS: readonly string[] = [
    `CREATE TABLE sync_ledger (
        scope text NOT NULL, target text NOT NULL, name text NOT NULL,
        esc_env text NOT NULL, esc_revision integer NOT NULL, value_hmac text NOT NULL,
        pushed_at timestamptz NOT NULL, gh_updated_at timestamptz NOT NULL, gh_status integer NOT NULL,
        PRIMARY KEY (scope, target, name))`,
    `CREATE TABLE sync_checks (
        id bigserial PRIMARY KEY, started_at timestamptz NOT NULL, finished_at timestamptz NOT NULL,
        status text NOT NULL, health_percent double precision, report jsonb NOT NULL)`,
    `CREATE INDEX sync_checks_started_at ON sync_checks (started_at)`,
    `CREATE TABLE sync_heals (
        id text PRIMARY KEY, action text NOT NULL, risk text NOT NULL, kind text NOT NULL,
        scope text NOT NULL, target text NOT NULL, name text NOT NULL, status text NOT NULL, reason text NOT NULL,
        outcome text, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL, approved_at timestamptz)`,
    `CREATE UNIQUE INDEX sync_heals_open ON sync_heals (action, scope, target, name) WHERE status IN ('pending', 'approved')`,
    `CREATE TABLE sync_heal_state (
        scope text NOT NULL, target text NOT NULL, name text NOT NULL,
        failures integer NOT NULL, last_attempt_at timestamptz NOT NULL, PRIMARY KEY (scope, target, name))`,
    // GitHub list pages with their ETags (src/listCache.ts): conditional reads survive a restart.
    `CREATE TABLE sync_list_cache (
        source text PRIMARY KEY, pages jsonb NOT NULL, full_read_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)`,
];

// Arbitrary constant: serialises migrations when several replicas start at once.
const MIGRATION_LOCK = 7_404_251;

/** Keyed hash of a secret value; without the key an attacker cannot brute-force low-entropy values. */
export function valueHmac(key: Buffer, value: string): string {
    return createHmac("sha256", key).update(value, "utf8").digest("hex");
}

const rowToEntry = (r: Record<string, unknown>): LedgerEntry => ({
    scope: r.scope as string,
    target: r.target as string,
    name: r.name as string,
    escEnv: r.esc_env as string,
    escRevision: r.esc_revision as number,
    valueHmac: r.value_hmac as string,
    pushedAt: r.pushed_at as Date,
    ghUpdatedAt: r.gh_updated_at as Date,
    ghStatus: r.gh_status as number,
});

const rowToHeal = (r: Record<string, unknown>): HealRecord => ({
    id: r.id as string,
    action: r.action as HealRecord["action"],
    risk: r.risk as HealRecord["risk"],
    kind: r.kind as string,
    scope: r.scope as string,
    target: r.target as string,
    name: r.name as string,
    status: r.status as HealRecord["status"],
    reason: r.reason as string,
    outcome: (r.outcome as string) ?? null,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
    approvedAt: (r.approved_at as Date) ?? null,
});

/** Postgres-backed ledger, history and heal store. */
export class Ledger {
    constructor(private readonly pool: Pool) {}

    /** Creates or upgrades the schema; safe to run concurrently. */
    async migrate(): Promise<number> {
        const c = await this.pool.connect();
        try {
            await c.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
            await c.query(
                "CREATE TABLE IF NOT EXISTS sync_schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
            );
            const { rows } = await c.query("SELECT coalesce(max(version), 0) AS v FROM sync_schema_migrations");
            const current = Number(rows[0].v);
            for (let v = current; v < MIGRATIONS.length; v++) {
                await c.query("BEGIN");
                try {
                    await c.query(MIGRATIONS[v]);
                    await c.query("INSERT INTO sync_schema_migrations (version) VALUES ($1)", [v + 1]);
                    await c.query("COMMIT");
                } catch (e) {
                    await c.query("ROLLBACK");
                    throw e;
                }
            }
            return MIGRATIONS.length;
        } finally {
            await c.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => undefined);
            c.release();
        }
    }

    /** Throws when the database cannot answer. */
    async ping(): Promise<void> {
        await this.pool.query("SELECT 1");
    }

    /** Every ledger entry, keyed `scope|target|name`. */
    async entries(): Promise<Map<string, LedgerEntry>> {
        const { rows } = await this.pool.query("SELECT * FROM sync_ledger");
        return new Map(rows.map((r) => [`${r.scope}|${r.target}|${r.name}`, rowToEntry(r)]));
    }

    /** Records a successful write. */
    async record(e: LedgerEntry): Promise<void> {
        await this.pool.query(
            `INSERT INTO sync_ledger (scope, target, name, esc_env, esc_revision, value_hmac, pushed_at, gh_updated_at, gh_status)
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)
             ON CONFLICT (scope, target, name) DO UPDATE SET esc_env = EXCLUDED.esc_env, esc_revision = EXCLUDED.esc_revision,
               value_hmac = EXCLUDED.value_hmac, pushed_at = EXCLUDED.pushed_at, gh_updated_at = EXCLUDED.gh_updated_at,
               gh_status = EXCLUDED.gh_status`,
            [e.scope, e.target, e.name, e.escEnv, e.escRevision, e.valueHmac, e.pushedAt, e.ghUpdatedAt, e.ghStatus],
        );
    }

    /** Forgets a secret we deleted. */
    async forget(scope: string, target: string, name: string): Promise<void> {
        await this.pool.query("DELETE FROM sync_ledger WHERE scope = $1 AND target = $2 AND name = $3", [
            scope,
            target,
            name,
        ]);
    }

    /** Stores a finished check (the report holds names and kinds only, never values). */
    async recordCheck(
        startedAt: Date,
        finishedAt: Date,
        status: string,
        healthPercent: number | null,
        report: unknown,
    ): Promise<void> {
        await this.pool.query(
            "INSERT INTO sync_checks (started_at, finished_at, status, health_percent, report) VALUES ($1,$2,$3,$4,$5)",
            [startedAt, finishedAt, status, healthPercent, JSON.stringify(report)],
        );
    }

    /** Deletes check history older than `days` days before `now`; returns rows removed. */
    async pruneChecks(now: Date, days: number): Promise<number> {
        const r = await this.pool.query("DELETE FROM sync_checks WHERE started_at < $1", [
            new Date(now.getTime() - days * 86_400_000),
        ]);
        return r.rowCount ?? 0;
    }

    /** Number of stored checks. */
    async checkCount(): Promise<number> {
        const { rows } = await this.pool.query("SELECT count(*)::int AS n FROM sync_checks");
        return rows[0].n as number;
    }

    /** Opens a heal proposal unless one is already open for the same secret and action; returns the open one. */
    async proposeHeal(
        h: Omit<HealRecord, "id" | "status" | "outcome" | "createdAt" | "updatedAt" | "approvedAt">,
        status: "pending" | "approved",
        now: Date,
    ): Promise<HealRecord> {
        const id = randomUUID();
        await this.pool.query(
            `INSERT INTO sync_heals (id, action, risk, kind, scope, target, name, status, reason, created_at, updated_at)
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$10) ON CONFLICT DO NOTHING`,
            [id, h.action, h.risk, h.kind, h.scope, h.target, h.name, status, h.reason, now],
        );
        const { rows } = await this.pool.query(
            "SELECT * FROM sync_heals WHERE action = $1 AND scope = $2 AND target = $3 AND name = $4 AND status IN ('pending','approved')",
            [h.action, h.scope, h.target, h.name],
        );
        return rowToHeal(rows[0]);
    }

    /** Heals by status (all when omitted), newest first. */
    async heals(limit = 500): Promise<HealRecord[]> {
        const { rows } = await this.pool.query("SELECT * FROM sync_heals ORDER BY created_at DESC, id LIMIT $1", [
            limit,
        ]);
        return rows.map(rowToHeal);
    }

    /** One heal by id. */
    async heal(id: string): Promise<HealRecord | undefined> {
        const { rows } = await this.pool.query("SELECT * FROM sync_heals WHERE id = $1", [id]);
        return rows[0] ? rowToHeal(rows[0]) : undefined;
    }

    /** Marks a pending heal approved; returns false when it is not pending. */
    async approve(id: string, now: Date): Promise<boolean> {
        const r = await this.pool.query(
            "UPDATE sync_heals SET status = 'approved', approved_at = $2, updated_at = $2 WHERE id = $1 AND status = 'pending'",
            [id, now],
        );
        return (r.rowCount ?? 0) > 0;
    }

    /** Closes a heal with its final status and outcome. */
    async finishHeal(id: string, status: "done" | "failed" | "skipped", outcome: string, now: Date): Promise<void> {
        await this.pool.query("UPDATE sync_heals SET status = $2, outcome = $3, updated_at = $4 WHERE id = $1", [
            id,
            status,
            outcome,
            now,
        ]);
    }

    /** Failure count and last attempt of a secret (for cooldown and attempt limits). */
    async healState(
        scope: string,
        target: string,
        name: string,
    ): Promise<{ failures: number; lastAttemptAt: Date } | undefined> {
        const { rows } = await this.pool.query(
            "SELECT failures, last_attempt_at FROM sync_heal_state WHERE scope = $1 AND target = $2 AND name = $3",
            [scope, target, name],
        );
        return rows[0] ? { failures: rows[0].failures, lastAttemptAt: rows[0].last_attempt_at } : undefined;
    }

    /** Records a failed attempt, or clears the state after a success. */
    async noteAttempt(scope: string, target: string, name: string, ok: boolean, now: Date): Promise<void> {
        if (ok) {
            await this.pool.query("DELETE FROM sync_heal_state WHERE scope = $1 AND target = $2 AND name = $3", [
                scope,
                target,
                name,
            ]);
            return;
        }
        await this.pool.query(
            `INSERT INTO sync_heal_state (scope, target, name, failures, last_attempt_at) VALUES ($1,$2,$3,1,$4)
             ON CONFLICT (scope, target, name) DO UPDATE SET failures = sync_heal_state.failures + 1, last_attempt_at = EXCLUDED.last_attempt_at`,
            [scope, target, name, now],
        );
    }
}
