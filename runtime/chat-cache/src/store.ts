import type { Redis } from "ioredis";
import { LRUCache } from "lru-cache";
import type { Logger } from "pino";
import { CircuitBreaker } from "./breaker";
import type { Completion } from "./completion";
import type { Metrics } from "./metrics";

/** One cached answer: the canonical completion plus when it was stored and for how long it is fresh. */
export interface Entry {
    storedAt: number;
    ttl: number;
    completion: Completion;
    /** `JSON.stringify(completion)` as UTF-8, kept so a hit sends bytes without serialising again. */
    body: Buffer;
}

/** Result of a lookup. */
export interface Lookup {
    entry: Entry;
    tier: "lru" | "redis";
}

/** Settings of the two-tier store. */
export interface StoreOptions {
    keyPrefix: string;
    keyVersion: number;
    staleSeconds: number;
    lruMaxEntries: number;
    lruMaxBytes: number;
    breakerThreshold: number;
    breakerCooldownMs: number;
}

/** The subset of ioredis the store uses (so tests can see exactly what it needs). */
export type RedisLike = Pick<Redis, "get" | "set" | "status" | "eval" | "lrange">;

/**
 * Two tiers: a bounded in-process LRU in front of Redis. Redis failures fail open (a miss on read, a no-op on write)
 * behind a circuit breaker; writes are fire-and-forget but tracked so shutdown can wait for them.
 */
export class CacheStore {
    private readonly lru: LRUCache<string, Entry> | undefined;
    private readonly breaker: CircuitBreaker;
    private readonly pending = new Set<Promise<void>>();

    constructor(
        private readonly redis: RedisLike,
        private readonly opts: StoreOptions,
        private readonly metrics: Metrics,
        private readonly logger: Logger,
        private readonly now: () => number = Date.now,
    ) {
        if (opts.lruMaxEntries > 0 && opts.lruMaxBytes > 0) {
            this.lru = new LRUCache<string, Entry>({
                max: opts.lruMaxEntries,
                maxSize: opts.lruMaxBytes,
                sizeCalculation: (e) => e.body.length * 3 + 256,
            });
        }
        this.breaker = new CircuitBreaker(opts.breakerThreshold, opts.breakerCooldownMs, (open) => {
            metrics.redisCircuitOpen.set(open ? 1 : 0);
            logger.warn(
                { open },
                open ? "redis circuit opened: serving without the shared cache" : "redis circuit closed",
            );
        });
        metrics.redisCircuitOpen.set(0);
    }

    /** Redis key for a cache key hash: `<prefix>:v<N>:<sha256>` (no prompt text). */
    redisKey(hash: string): string {
        return `${this.opts.keyPrefix}:v${this.opts.keyVersion}:${hash}`;
    }

    /** Whether the entry is still fresh (younger than its TTL). */
    isFresh(e: Entry): boolean {
        return this.now() - e.storedAt < e.ttl * 1000;
    }

    /** Age of an entry in whole seconds. */
    age(e: Entry): number {
        return Math.max(0, Math.floor((this.now() - e.storedAt) / 1000));
    }

    private lifetimeMs(e: Entry): number {
        return e.storedAt + (e.ttl + this.opts.staleSeconds) * 1000 - this.now();
    }

    /** Looks a key up in the local tier only (synchronous). */
    getLocal(hash: string): Lookup | undefined {
        const local = this.lru?.get(hash);
        return local ? { entry: local, tier: "lru" } : undefined;
    }

    /** Looks a key up in the LRU, then Redis. Never throws. */
    async get(hash: string): Promise<Lookup | undefined> {
        const local = this.lru?.get(hash);
        if (local) return { entry: local, tier: "lru" };
        if (!this.breaker.allow()) return undefined;
        let raw: string | null;
        try {
            raw = await this.redis.get(this.redisKey(hash));
            this.breaker.success();
        } catch (err) {
            this.breaker.failure();
            this.metrics.redisErrors.inc({ op: "get" });
            this.logger.debug({ err: (err as Error).message }, "redis get failed; treating as a miss");
            return undefined;
        }
        if (raw === null) return undefined;
        let entry: Entry;
        try {
            const parsed = JSON.parse(raw) as { storedAt: number; ttl: number; completion: Completion };
            entry = {
                storedAt: parsed.storedAt,
                ttl: parsed.ttl,
                completion: parsed.completion,
                body: Buffer.from(JSON.stringify(parsed.completion)),
            };
        } catch {
            this.metrics.redisErrors.inc({ op: "decode" });
            return undefined;
        }
        const left = this.lifetimeMs(entry);
        if (left <= 0) return undefined;
        this.lru?.set(hash, entry, { ttl: left });
        return { entry, tier: "redis" };
    }

    /** Stores an entry in both tiers (`SET ... EX`, never without expiry). Returns at once; see `flush`. */
    set(hash: string, entry: Entry): void {
        const left = this.lifetimeMs(entry);
        if (left <= 0) return;
        this.lru?.set(hash, entry, { ttl: left });
        if (!this.breaker.allow()) {
            this.metrics.cacheWrites.inc({ outcome: "redis_skipped" });
            return;
        }
        const value = JSON.stringify({ storedAt: entry.storedAt, ttl: entry.ttl, completion: entry.completion });
        const p = this.redis
            .set(this.redisKey(hash), value, "EX", Math.ceil(left / 1000))
            .then(() => {
                this.breaker.success();
                this.metrics.cacheWrites.inc({ outcome: "stored" });
            })
            .catch((err: Error) => {
                this.breaker.failure();
                this.metrics.redisErrors.inc({ op: "set" });
                this.metrics.cacheWrites.inc({ outcome: "redis_failed" });
                this.logger.debug({ err: err.message }, "redis set failed; entry kept in the local tier only");
            })
            .finally(() => this.pending.delete(p));
        this.pending.add(p);
    }

    /** Stores an entry in the local tier only (another replica wrote it to Redis). */
    setLocal(hash: string, entry: Entry): void {
        const left = this.lifetimeMs(entry);
        if (left > 0) this.lru?.set(hash, entry, { ttl: left });
    }

    /** Drops a key from the local tier (tests and `s-maxage` refreshes). */
    forgetLocal(hash: string): void {
        this.lru?.delete(hash);
    }

    /** Waits for cache writes in progress. */
    async flush(): Promise<void> {
        while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    }

    /** Number of entries in the local tier. */
    get localSize(): number {
        return this.lru?.size ?? 0;
    }

    /** Redis connection and breaker state, for `/readyz`. */
    state(): { redis: string; circuit: "open" | "closed" } {
        return { redis: this.redis.status, circuit: this.breaker.isOpen ? "open" : "closed" };
    }
}
