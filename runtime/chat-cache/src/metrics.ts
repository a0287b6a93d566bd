import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** Every chat-cache metric, registered on an injected registry (no global singletons). Labels carry no tenant data. */
export interface Metrics {
    registry: Registry;
    requests: Counter<"result" | "ttl_class">;
    lookupDuration: Histogram<"tier">;
    upstreamDuration: Histogram<"status">;
    upstreamTtft: Histogram;
    upstreamInFlight: Gauge;
    upstreamQueueDepth: Gauge;
    rejections: Counter<"reason">;
    redisErrors: Counter<"op">;
    redisCircuitOpen: Gauge;
    redisUp: Gauge;
    savedTokens: Counter;
    cacheWrites: Counter<"outcome">;
    coalesceWaiters: Gauge;
    replicaLeases: Counter<"result">;
    replicaWaits: Counter<"outcome">;
    replicaTakeovers: Counter;
}

/** Creates the metrics on `registry`. */
export function createMetrics(registry: Registry): Metrics {
    const registers = [registry];
    return {
        registry,
        requests: new Counter({
            name: "cache_requests_total",
            help: "Chat completion requests by cache result and TTL class.",
            labelNames: ["result", "ttl_class"],
            registers,
        }),
        lookupDuration: new Histogram({
            name: "cache_lookup_duration_seconds",
            help: "Time to look a key up, by the tier that answered (lru, redis, none).",
            labelNames: ["tier"],
            buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
            registers,
        }),
        upstreamDuration: new Histogram({
            name: "upstream_request_duration_seconds",
            help: "Upstream chat completion duration until the last byte, by status class.",
            labelNames: ["status"],
            buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60],
            registers,
        }),
        upstreamTtft: new Histogram({
            name: "upstream_time_to_first_token_seconds",
            help: "Time from the upstream call to its first streamed chunk (or the whole body when not streaming).",
            buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
            registers,
        }),
        upstreamInFlight: new Gauge({
            name: "upstream_in_flight",
            help: "Upstream calls holding a concurrency slot.",
            registers,
        }),
        upstreamQueueDepth: new Gauge({
            name: "upstream_queue_depth",
            help: "Requests waiting for an upstream slot.",
            registers,
        }),
        rejections: new Counter({
            name: "upstream_rejections_total",
            help: "Requests answered without an upstream result, by reason (queue_full, timeout, upstream_unreachable, stream_failed).",
            labelNames: ["reason"],
            registers,
        }),
        redisErrors: new Counter({
            name: "redis_errors_total",
            help: "Failed Redis commands by operation.",
            labelNames: ["op"],
            registers,
        }),
        redisCircuitOpen: new Gauge({
            name: "redis_circuit_open",
            help: "1 while the Redis circuit breaker skips Redis.",
            registers,
        }),
        redisUp: new Gauge({ name: "redis_up", help: "1 when the Redis connection is ready.", registers }),
        savedTokens: new Counter({
            name: "cache_saved_tokens_total",
            help: "Tokens (prompt + completion) of answers served without an upstream call.",
            registers,
        }),
        cacheWrites: new Counter({
            name: "cache_writes_total",
            help: "Cache writes by outcome (stored, skipped_uncacheable, skipped_too_large, redis_failed).",
            labelNames: ["outcome"],
            registers,
        }),
        coalesceWaiters: new Gauge({
            name: "cache_coalesce_waiters",
            help: "Requests waiting right now for an identical call already in flight (their status will be COALESCED).",
            registers,
        }),
        replicaLeases: new Counter({
            name: "cache_replica_leases_total",
            help: "Cross-replica lease attempts on cold keys by result (acquired, held by another replica, stored meanwhile, unavailable = Redis down: per-process coalescing only).",
            labelNames: ["result"],
            registers,
        }),
        replicaWaits: new Counter({
            name: "cache_replica_waits_total",
            help: "Waits on another replica's upstream call by how they ended (settled, released = uncacheable answer, leader-lost, unavailable).",
            labelNames: ["outcome"],
            registers,
        }),
        replicaTakeovers: new Counter({
            name: "cache_replica_takeovers_total",
            help: "Leases taken over after the replica holding them stopped without an answer.",
            registers,
        }),
    };
}
