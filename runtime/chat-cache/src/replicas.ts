import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { Completion } from "./completion";
import { errorBody } from "./errors";
import type { Flight, Outcome } from "./flight";
import type { Metrics } from "./metrics";
import type { RedisLike } from "./store";

/**
 * One message of a leader's flight log, in order: the response head (streaming calls), each upstream chunk, then
 * how the call ended. Followers on other replicas replay the log, then get the rest live over pub/sub.
 */
export type LogPayload =
    | { t: "head"; headers: Record<string, string> }
    | { t: "event"; data: string; usage: boolean }
    | { t: "done"; outcome: Outcome; cacheable: boolean; storedAt?: number; ttl?: number };

/** A log message with its sequence number (1, 2, ... per lease). */
type LogMessage = LogPayload & { s: number };

/** What a follower ended with. */
export type FollowResult =
    /** The flight was settled from the leader's answer (or error). */
    | { kind: "settled"; entry?: { storedAt: number; ttl: number; completion: Completion } }
    /** The leader's answer is not cacheable and nothing was sent yet: call the upstream yourself. */
    | { kind: "released" }
    /** The leader is gone without an answer: try to take the lease over. */
    | { kind: "leader-lost" }
    /** Redis failed while waiting: fall back to calling the upstream from this process. */
    | { kind: "unavailable" };

/** What `acquire` found. */
export type LeaseResult =
    | { kind: "acquired"; lease: Lease }
    | { kind: "held"; token: string }
    /** A finished answer is in Redis already (the leader just stored it). */
    | { kind: "stored" }
    | { kind: "unavailable" };

/** Settings of the coordinator. */
export interface ReplicaOptions {
    keyPrefix: string;
    keyVersion: number;
    /** Lease lifetime; renewed every third of it while the call runs. */
    leaseMs: number;
    /** CACHE_STALE_SECONDS: how long an entry's Redis key outlives its freshness. */
    staleSeconds: number;
}

// KEYS: lease, entry. ARGV: token, lease ms, min entry PTTL (-1: do not look). Returns "stored", "acquired" or the
// holder's token. An entry counts as stored only while fresh: its key lives ttl + CACHE_STALE_SECONDS.
const ACQUIRE = `
if tonumber(ARGV[3]) >= 0 and redis.call('PTTL', KEYS[2]) > tonumber(ARGV[3]) then return 'stored' end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 'acquired' end
return redis.call('GET', KEYS[1]) or 'stored'`;
// KEYS: lease. ARGV: token, lease ms. 1 when still ours.
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;
// KEYS: log, channel. ARGV: message, log ttl ms. Appends to the log and publishes in one step, so order holds.
const APPEND = `
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PUBLISH', KEYS[2], ARGV[1])
return 1`;

/** How long a log stays readable for followers that subscribe late (renewed by every message). */
const LOG_TTL_MS = 30000;

/** A lease this replica holds on a cold key: publishes the call's progress and releases when done. */
export class Lease {
    private seq = 0;
    private lost = false;
    private readonly timer: NodeJS.Timeout;

    constructor(
        private readonly coordinator: ReplicaCoordinator,
        readonly hash: string,
        readonly token: string,
    ) {
        this.timer = setInterval(() => void this.renew(), Math.max(50, Math.floor(coordinator.opts.leaseMs / 3)));
        this.timer.unref();
    }

    private async renew(): Promise<void> {
        const c = this.coordinator;
        try {
            const ok = await c.redis.eval(RENEW, 1, c.leaseKey(this.hash), this.token, c.opts.leaseMs);
            if (ok !== 1) this.lost = true;
        } catch {
            // A missed renewal only risks a second upstream call elsewhere; the next tick tries again.
        }
    }

    /** Appends one message to the log and publishes it; fire-and-forget (Redis trouble never delays the caller). */
    publish(msg: LogPayload): void {
        if (this.lost) return;
        const c = this.coordinator;
        const body = JSON.stringify({ ...msg, s: ++this.seq });
        c.redis
            .eval(APPEND, 2, c.logKey(this.hash, this.token), c.channel(this.hash), body, LOG_TTL_MS)
            .catch(() => c.metrics.redisErrors.inc({ op: "flight_publish" }));
    }

    /** Stops renewing and deletes the lease if it is still ours. */
    release(): void {
        clearInterval(this.timer);
        const c = this.coordinator;
        c.redis
            .eval(RELEASE, 1, c.leaseKey(this.hash), this.token)
            .catch(() => c.metrics.redisErrors.inc({ op: "lease_release" }));
    }
}

/**
 * Cross-replica single flight through Redis. The first replica to see a cold key takes a short lease on it (token +
 * TTL, renewed while its upstream call runs) and writes the call's progress to a per-lease log and channel; the other
 * replicas subscribe, replay the log and follow live, so streaming clients get chunks as the leader does. A follower
 * checks the lease every lease period; when it expired without an answer (the leader died), a follower takes over.
 * Any Redis failure answers "unavailable" and the caller falls back to its own upstream call (fail-open).
 */
export class ReplicaCoordinator {
    private readonly handlers = new Map<string, Set<(msg: LogMessage) => void>>();
    private readonly idPrefix = `${hostname()}/${process.pid}/`;

    constructor(
        readonly redis: RedisLike,
        private readonly subscriber: Pick<Redis, "status" | "subscribe" | "unsubscribe" | "on">,
        readonly opts: ReplicaOptions,
        readonly metrics: Metrics,
        private readonly logger: Logger,
    ) {
        subscriber.on("message", (channel: string, message: string) => {
            const set = this.handlers.get(channel);
            if (!set) return;
            let msg: LogMessage;
            try {
                msg = JSON.parse(message);
            } catch {
                return;
            }
            for (const h of set) h(msg);
        });
    }

    leaseKey(hash: string): string {
        return `${this.opts.keyPrefix}:v${this.opts.keyVersion}:lease:${hash}`;
    }
    logKey(hash: string, token: string): string {
        return `${this.opts.keyPrefix}:v${this.opts.keyVersion}:flightlog:${hash}:${token}`;
    }
    channel(hash: string): string {
        return `${this.opts.keyPrefix}:v${this.opts.keyVersion}:flight:${hash}`;
    }
    private entryKey(hash: string): string {
        return `${this.opts.keyPrefix}:v${this.opts.keyVersion}:${hash}`;
    }

    /** Whether Redis is connected (the coordinator is skipped, not waited for, when it is not). */
    get usable(): boolean {
        return this.redis.status === "ready" && this.subscriber.status === "ready";
    }

    /**
     * Tries to take the lease on a cold key; first checks whether a fresh answer was stored meanwhile, unless
     * `lookForEntry` is false (the request limits the entry's age itself). Never throws.
     */
    async acquire(hash: string, lookForEntry = true): Promise<LeaseResult> {
        if (!this.usable) return this.count({ kind: "unavailable" });
        // The token names the holder (host/pid) for operators, plus randomness so a restarted pid cannot match.
        const token = this.idPrefix + randomBytes(6).toString("hex");
        try {
            const r = (await this.redis.eval(
                ACQUIRE,
                2,
                this.leaseKey(hash),
                this.entryKey(hash),
                token,
                this.opts.leaseMs,
                lookForEntry ? this.opts.staleSeconds * 1000 : -1,
            )) as string;
            if (r === "stored") return this.count({ kind: "stored" });
            if (r === "acquired") return this.count({ kind: "acquired", lease: new Lease(this, hash, token) });
            return this.count({ kind: "held", token: r });
        } catch (err) {
            this.metrics.redisErrors.inc({ op: "lease_acquire" });
            this.logger.debug({ err: (err as Error).message }, "lease acquire failed; coalescing in this process only");
            return this.count({ kind: "unavailable" });
        }
    }

    private count<T extends LeaseResult>(r: T): T {
        this.metrics.replicaLeases.inc({ result: r.kind });
        return r;
    }

    /**
     * Follows the leader holding `token` for `hash`, driving `flight` with its head, chunks and outcome.
     * Resolves when the flight settled or the caller must act (released, leader lost, Redis lost). Never rejects.
     */
    follow(hash: string, token: string, flight: Flight): Promise<FollowResult> {
        const channel = this.channel(hash);
        return new Promise<FollowResult>((resolve) => {
            let next = 1;
            let replayed = false;
            const early: LogMessage[] = [];
            let finished = false;
            let watchdog: NodeJS.Timeout | undefined;
            const end = (r: FollowResult) => {
                if (finished) return;
                finished = true;
                clearInterval(watchdog);
                flight.signal.removeEventListener("abort", onAbort);
                const set = this.handlers.get(channel);
                set?.delete(onMessage);
                if (set && set.size === 0) {
                    this.handlers.delete(channel);
                    this.subscriber.unsubscribe(channel).catch(() => undefined);
                }
                this.metrics.replicaWaits.inc({ outcome: r.kind });
                resolve(r);
            };
            const apply = (m: LogMessage) => {
                if (finished || m.s < next) return;
                if (m.s > next) return; // a gap cannot happen on one ordered connection; ignore rather than misorder
                next++;
                if (m.t === "head") flight.relayHead(m.headers);
                else if (m.t === "event") flight.relayEvent(m.data, m.usage);
                else if (m.outcome.kind === "ok" && !m.cacheable && !flight.head) end({ kind: "released" });
                else {
                    flight.finish(m.outcome);
                    const entry =
                        m.outcome.kind === "ok" && m.cacheable && m.storedAt !== undefined && m.ttl !== undefined
                            ? { storedAt: m.storedAt, ttl: m.ttl, completion: m.outcome.completion }
                            : undefined;
                    end({ kind: "settled", entry });
                }
            };
            const onMessage = (m: LogMessage) => {
                if (replayed) apply(m);
                else early.push(m);
            };
            const onAbort = () => {
                flight.finish({
                    kind: "http-error",
                    status: 499,
                    headers: {},
                    body: JSON.stringify(errorBody("Every caller went away.", "server_error", "client_closed")),
                    reason: "abandoned",
                });
                end({ kind: "settled" });
            };
            const lost = () => {
                if (finished) return;
                if (!flight.head) return end({ kind: "leader-lost" });
                // Chunks already went to clients: a new call's chunks could not be spliced on, so fail these streams.
                flight.finish({
                    kind: "stream-failed",
                    error: errorBody(
                        "The replica streaming this answer stopped; retry the request.",
                        "server_error",
                        "upstream_stream_failed",
                    ),
                    reason: "leader_lost",
                });
                end({ kind: "settled" });
            };
            flight.signal.addEventListener("abort", onAbort, { once: true });
            let set = this.handlers.get(channel);
            const first = !set;
            if (!set) this.handlers.set(channel, (set = new Set()));
            set.add(onMessage);
            const subscribed = first ? this.subscriber.subscribe(channel) : Promise.resolve();
            subscribed
                .then(() => this.redis.lrange(this.logKey(hash, token), 0, -1))
                .then((history) => {
                    for (const raw of history) apply(JSON.parse(raw) as LogMessage);
                    replayed = true;
                    for (const m of early.splice(0)) apply(m);
                    if (finished) return;
                    watchdog = setInterval(() => {
                        this.redis.get(this.leaseKey(hash)).then(
                            (holder) => {
                                if (holder !== token) lost();
                            },
                            () => end({ kind: "unavailable" }),
                        );
                    }, this.opts.leaseMs);
                    watchdog.unref();
                })
                .catch(() => {
                    if (!flight.head) end({ kind: "unavailable" });
                    else lost();
                });
        });
    }
}
