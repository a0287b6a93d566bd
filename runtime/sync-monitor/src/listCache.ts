/**
 * The stored GitHub lists: per list (a target's secrets, or the org secrets a repository sees) every page's ETag and
 * items, and when it was last read unconditionally. Kept in Postgres next to the ledger (`sync_list_cache`) so a
 * restarted monitor answers its first check with conditional requests instead of a full re-read.
 */
import type { Pool } from "pg";
import type { ListedSecret } from "./github";

/** One page as last answered with 200. */
export interface CachedPage {
    readonly etag?: string;
    readonly items: readonly ListedSecret[];
    /** Whether GitHub linked a next page. */
    readonly next: boolean;
}

/** One list: its pages and the time (epoch ms) of its last unconditional read. */
export interface CachedList {
    readonly pages: readonly CachedPage[];
    readonly fullReadAt: number;
}

/** Where the lists persist; {@link PostgresListCache} in the service, anything Map-like in tests. */
export interface ListCacheStore {
    load(): Promise<Map<string, CachedList>>;
    save(changed: ReadonlyMap<string, CachedList>): Promise<void>;
}

// Rows per upsert statement: bounds the size of one JSON parameter (a page of 100 names is ~10 KB).
const SAVE_BATCH = 200;

/** `sync_list_cache` in the ledger's database (the table is created by {@link Ledger.migrate}). */
export class PostgresListCache implements ListCacheStore {
    constructor(private readonly pool: Pool) {}

    async load(): Promise<Map<string, CachedList>> {
        const { rows } = await this.pool.query("SELECT source, pages, full_read_at FROM sync_list_cache");
        return new Map(
            rows.map((r) => [
                r.source as string,
                { pages: r.pages as CachedPage[], fullReadAt: (r.full_read_at as Date).getTime() },
            ]),
        );
    }

    async save(changed: ReadonlyMap<string, CachedList>): Promise<void> {
        const all = [...changed.entries()];
        for (let i = 0; i < all.length; i += SAVE_BATCH) {
            const rows = all.slice(i, i + SAVE_BATCH).map(([source, l]) => ({
                source,
                pages: l.pages,
                full_read_at: new Date(l.fullReadAt).toISOString(),
            }));
            // One statement per batch: a first check of a large organisation stores a thousand lists.
            await this.pool.query(
                `INSERT INTO sync_list_cache (source, pages, full_read_at, updated_at)
                 SELECT source, pages, full_read_at, now()
                 FROM jsonb_to_recordset($1::jsonb) AS x(source text, pages jsonb, full_read_at timestamptz)
                 ON CONFLICT (source) DO UPDATE SET pages = EXCLUDED.pages, full_read_at = EXCLUDED.full_read_at,
                   updated_at = EXCLUDED.updated_at`,
                [JSON.stringify(rows)],
            );
        }
    }
}

/** An in-memory store (tests, benchmarks without persistence). */
export class MemoryListCache implements ListCacheStore {
    readonly lists = new Map<string, CachedList>();

    async load(): Promise<Map<string, CachedList>> {
        return new Map(this.lists);
    }

    async save(changed: ReadonlyMap<string, CachedList>): Promise<void> {
        for (const [k, v] of changed) this.lists.set(k, v);
    }
}
