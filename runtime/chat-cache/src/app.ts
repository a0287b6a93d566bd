import { randomUUID } from "node:crypto";
import http from "node:http";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { answerParserError, ClientErrorLog } from "./clientErrors";
import type { Config } from "./config";
import { errorBody } from "./errors";
import { KEY_VERSION } from "./key";
import { UpstreamLimiter } from "./limiter";
import { createMetrics, type Metrics } from "./metrics";
import { createCompletionsPipeline } from "./pipeline";
import { ReplicaCoordinator } from "./replicas";
import { RequestCounters } from "./requestCounters";
import { sendJson } from "./respond";
import { createRoutes, dispatch } from "./routes";
import { CacheStore, type RedisLike } from "./store";
import { UpstreamClient } from "./upstream";

/** Everything the app needs; `main.ts` builds these, tests inject their own. */
export interface AppDeps {
    config: Config;
    redis: RedisLike;
    /**
     * A second Redis connection for pub/sub (a subscribed connection can run no other command). When given, replicas
     * sharing the Redis make one upstream call per cold key; without it coalescing stays within this process.
     */
    subscriber?: Pick<Redis, "status" | "subscribe" | "unsubscribe" | "on">;
    logger: Logger;
    registry: Registry;
    /** Clock in ms, injectable for TTL tests. */
    now?: () => number;
}

/** A built (not listening) chat-cache service. */
export interface App {
    server: http.Server;
    store: CacheStore;
    metrics: Metrics;
    limiter: UpstreamLimiter;
    /** Requests being handled right now. */
    readonly activeRequests: number;
    /** Stops accepting, waits for in-flight requests up to `graceMs`, then flushes cache writes. Does not close Redis. */
    close(graceMs?: number): Promise<void>;
}

/** Builds the HTTP server and its collaborators without listening: wiring only, the work is in the modules. */
export function createApp(deps: AppDeps): App {
    const { config, logger, registry } = deps;
    const now = deps.now ?? Date.now;
    const metrics = createMetrics(registry);
    const store = new CacheStore(
        deps.redis,
        {
            keyPrefix: config.keyPrefix,
            keyVersion: KEY_VERSION,
            staleSeconds: config.staleSeconds,
            lruMaxEntries: config.lruMaxEntries,
            lruMaxBytes: config.lruMaxBytes,
            breakerThreshold: config.redisBreakerThreshold,
            breakerCooldownMs: config.redisBreakerCooldownMs,
        },
        metrics,
        logger,
        now,
    );
    const limiter = new UpstreamLimiter(config.upstreamMaxConcurrency, config.upstreamMaxQueue, (active, queued) => {
        metrics.upstreamInFlight.set(active);
        metrics.upstreamQueueDepth.set(queued);
    });
    const upstream = new UpstreamClient(config.upstreamBaseUrl, config.upstreamApiKey, config.upstreamMaxConcurrency);
    const clientErrors = new ClientErrorLog(logger);
    const completions = createCompletionsPipeline({
        config,
        logger,
        store,
        metrics,
        counters: new RequestCounters(metrics),
        clientErrors,
        flightDeps: {
            upstream,
            limiter,
            metrics,
            timeoutMs: config.upstreamTimeoutMs,
            maxResponseBytes: Math.max(config.maxEntryBytes, 8 * 1048576),
        },
        now,
        coordinator: deps.subscriber
            ? new ReplicaCoordinator(
                  deps.redis,
                  deps.subscriber,
                  {
                      keyPrefix: config.keyPrefix,
                      keyVersion: KEY_VERSION,
                      leaseMs: config.coalesceLeaseMs,
                      staleSeconds: config.staleSeconds,
                  },
                  metrics,
                  logger,
              )
            : undefined,
    });
    let closing = false;
    const routes = createRoutes({
        config,
        store,
        metrics,
        registry,
        upstream,
        completions,
        now,
        closing: () => closing,
    });

    // Request ids: a random per-process prefix plus a counter; unique across replicas without a UUID per request.
    const idPrefix = randomUUID().slice(0, 24);
    let idCounter = 0;
    const nextRequestId = () => idPrefix + (++idCounter).toString(16).padStart(12, "0");

    let inFlightRequests = 0;
    let drained: (() => void) | undefined;
    const server = http.createServer(
        {
            headersTimeout: config.headersTimeoutMs,
            // Backstop for bodies the completions route does not read itself (its own timer answers 408 first).
            requestTimeout: config.headersTimeoutMs + config.bodyTimeoutMs + 1000,
            // How often Node checks those two timeouts (its default of 30 s would let a slow client outstay them).
            connectionsCheckingInterval: Math.min(1000, config.headersTimeoutMs),
        },
        (req, res) => {
            inFlightRequests++;
            let counted = true;
            res.on("close", () => {
                if (!counted) return;
                counted = false;
                inFlightRequests--;
                if (closing && inFlightRequests === 0) drained?.();
            });
            const onError = (err: unknown) => {
                logger.error({ err: (err as Error).message, stack: (err as Error).stack }, "unhandled error");
                if (!res.headersSent)
                    sendJson(res, 500, JSON.stringify(errorBody("Internal Server Error", "server_error")));
                else res.destroy();
            };
            if (closing) res.setHeader("connection", "close");
            dispatch(routes, req, res, nextRequestId(), onError);
        },
    );
    server.on("clientError", (err: NodeJS.ErrnoException, socket) => {
        const status = answerParserError(err, socket);
        if (err.code !== "ECONNRESET") clientErrors.note({ status, code: err.code ?? null }, "malformed HTTP request");
    });

    async function close(graceMs = config.shutdownGraceMs): Promise<void> {
        closing = true;
        const stopped = new Promise<void>((r) => server.close(() => r()));
        server.closeIdleConnections();
        if (inFlightRequests > 0) {
            await Promise.race([
                new Promise<void>((r) => (drained = r)),
                new Promise<void>((r) => setTimeout(r, graceMs).unref()),
            ]);
        }
        server.closeAllConnections();
        await stopped;
        await completions.settled();
        await store.flush();
        upstream.close();
    }

    return {
        server,
        store,
        metrics,
        limiter,
        get activeRequests() {
            return inFlightRequests;
        },
        close,
    };
}
