/**
 * Reading GitHub for one check: every target's list and, for shadowing, the org secrets the affected repositories
 * see. Lists are read page by page with each page's stored ETag (`If-None-Match`); a 304 reuses the stored page and
 * costs no primary rate-limit point. Every list is read unconditionally once per `fullReadMs` (a safety net against a
 * 304 hiding a change); changed lists are persisted through the {@link ListCacheStore}.
 */
import type { GitHubSecrets, ListSource, ListedSecret } from "./github";
import type { CachedList, CachedPage, ListCacheStore } from "./listCache";
import type { Target } from "./targets";
import type { Logger } from "./logger";
import { scrubError, type Redactor } from "./redact";
import type { Clock } from "./clock";

/** A target or visibility list that could not be read completely. */
export interface IncompleteRead {
    readonly target: string;
    readonly scope: string;
    readonly reason: string;
}

/** What one check read from GitHub. */
export interface GitHubReadResult {
    /** Listing per target (`scope|id`), or why it could not be read. */
    readonly listings: Map<string, ListedSecret[] | { error: string }>;
    /** Org secret names visible to each repository (`owner/repo`), for shadowing. */
    readonly visible: Map<string, Set<string>>;
    readonly shadowErrors: IncompleteRead[];
    /** Lists read unconditionally this check (first read or safety net). */
    readonly fullReads: number;
}

export interface GitHubReaderOptions {
    readonly github: Pick<GitHubSecrets, "listPage">;
    /** Persisted lists; without it they live in memory only. */
    readonly store?: ListCacheStore;
    readonly readConcurrency: number;
    readonly shadowing: boolean;
    /** Maximum age of a list's last unconditional read. */
    readonly fullReadMs: number;
    readonly clock: Clock;
    readonly redactor: Redactor;
    readonly logger: Logger;
}

// 100 pages of 100: GitHub's own limits stop far below (1,000 org secrets, 100 per repository).
const MAX_PAGES = 100;

async function mapLimit<T>(items: readonly T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
    let i = 0;
    const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
        while (i < items.length) await fn(items[i++]);
    });
    await Promise.all(workers);
}

/** Reads lists conditionally and keeps their pages between checks (and, with a store, restarts). */
export class GitHubReader {
    private cache?: Map<string, CachedList>;

    constructor(private readonly o: GitHubReaderOptions) {}

    /** Reads every target's list and the visibility lists shadowing needs. */
    async read(targets: readonly Target[]): Promise<GitHubReadResult> {
        const cache = await this.loadCache();
        const changed = new Map<string, CachedList>();
        let fullReads = 0;
        const readList = async (key: string, source: ListSource): Promise<ListedSecret[]> => {
            const r = await this.readList(cache.get(key), source);
            if (r.full) fullReads++;
            if (r.changed) {
                cache.set(key, r.list);
                changed.set(key, r.list);
            }
            return r.list.pages.flatMap((p) => p.items);
        };

        const listings = new Map<string, ListedSecret[] | { error: string }>();
        await mapLimit(targets, this.o.readConcurrency, async (t) => {
            try {
                listings.set(`${t.scope}|${t.id}`, await readList(`${t.scope}|${t.id}`, { kind: "target", target: t }));
            } catch (e) {
                const err = scrubError(e, this.o.redactor, `listing ${t.scope} ${t.id}`);
                listings.set(`${t.scope}|${t.id}`, { error: err.message });
                this.o.logger.warn({ target: t.id, scope: t.scope, err: err.message }, "GitHub read incomplete");
            }
        });
        const visible = new Map<string, Set<string>>();
        const shadowErrors: IncompleteRead[] = [];
        if (this.o.shadowing) {
            await mapLimit(reposToAsk(targets, listings), this.o.readConcurrency, async (r) => {
                const [owner, repo] = r.split("/");
                try {
                    const names = await readList(`repo-org|${r}`, { kind: "repo-org", owner, repo });
                    visible.set(r, new Set(names.map((s) => s.name)));
                } catch (e) {
                    const err = scrubError(e, this.o.redactor, `listing org secrets visible to ${r}`);
                    shadowErrors.push({ target: r, scope: "repo-org-visibility", reason: err.message });
                }
            });
        }
        if (changed.size > 0 && this.o.store) {
            try {
                await this.o.store.save(changed);
            } catch (e) {
                // Not fatal: the lists stay in memory; only a restart would cost a full re-read.
                this.o.logger.warn({ err: scrubError(e, this.o.redactor).message }, "storing GitHub lists failed");
            }
        }
        return { listings, visible, shadowErrors, fullReads };
    }

    private async loadCache(): Promise<Map<string, CachedList>> {
        if (this.cache) return this.cache;
        let loaded = new Map<string, CachedList>();
        try {
            if (this.o.store) loaded = await this.o.store.load();
        } catch (e) {
            this.o.logger.warn({ err: scrubError(e, this.o.redactor).message }, "loading stored GitHub lists failed");
        }
        this.cache = loaded;
        return loaded;
    }

    /** Reads one list page by page, conditionally unless the safety-net read is due. */
    private async readList(
        cached: CachedList | undefined,
        source: ListSource,
    ): Promise<{ list: CachedList; changed: boolean; full: boolean }> {
        const now = this.o.clock.now();
        const full = !cached || now - cached.fullReadAt >= this.o.fullReadMs;
        const pages: CachedPage[] = [];
        let changed = full;
        for (let p = 1; p <= MAX_PAGES; p++) {
            const stored = full ? undefined : cached?.pages[p - 1];
            const answer = await this.o.github.listPage(source, p, stored?.etag);
            let page: CachedPage;
            if (answer.status === 304 && stored) page = stored;
            else if (answer.status === 304)
                throw new Error(`GitHub answered 304 to an unconditional read of page ${p}`);
            else {
                page = { etag: answer.etag, items: answer.items, next: answer.next };
                changed = true;
            }
            pages.push(page);
            if (!page.next) break;
        }
        if (!changed && cached && cached.pages.length !== pages.length) changed = true;
        return { list: { pages, fullReadAt: full ? now : cached!.fullReadAt }, changed, full };
    }
}

/**
 * Repositories whose org-secret visibility is needed: those whose repo/environment names collide with a listed org
 * secret; without an org listing for the owner, every repository that has secrets.
 */
function reposToAsk(
    targets: readonly Target[],
    listings: ReadonlyMap<string, ListedSecret[] | { error: string }>,
): string[] {
    const repoNames = new Map<string, Set<string>>();
    for (const t of targets) {
        if (t.scope === "org") continue;
        const l = listings.get(`${t.scope}|${t.id}`);
        const key = `${t.owner}/${t.repo}`;
        const set = repoNames.get(key) ?? new Set<string>();
        if (Array.isArray(l)) for (const s of l) set.add(s.name);
        repoNames.set(key, set);
    }
    return [...repoNames.keys()].filter((r) => {
        const owner = r.split("/")[0];
        const org = listings.get(`org|${owner}`);
        if (!Array.isArray(org)) return repoNames.get(r)!.size > 0;
        const orgNames = new Set(org.map((s) => s.name));
        return [...repoNames.get(r)!].some((n) => orgNames.has(n));
    });
}
