import { randomUUID } from "node:crypto";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { isJsonContentType, readBody } from "./body";
import { answerParserError, ClientErrorLog } from "./clientErrors";
import { completionText, isCacheableCompletion } from "./completion";
import type { Config } from "./config";
import { parseControls, type CacheControls } from "./controls";
import { errorBody, HttpError } from "./errors";
import { Flight, type Outcome } from "./flight";
import { cacheKey, KEY_VERSION, sha256hex, tenantOf } from "./key";
import { UpstreamLimiter } from "./limiter";
import { createMetrics, type Metrics } from "./metrics";
import { parseChatRequest, type ChatRequest } from "./request";
import { sendCompletion, sendJson, subscriberFor, type CacheStatus } from "./respond";
import { MAX_RULE_TTL, ttlClass, ttlFor } from "./rules";
import { CacheStore, type Entry, type RedisLike } from "./store";
import { readAll, UpstreamClient } from "./upstream";

/** Everything the app needs; `main.ts` builds these, tests inject their own. */
export interface AppDeps {
    config: Config;
    redis: RedisLike;
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

/** A header from `rawHeaders` without building `req.headers` (the hit path avoids that object). */
function rawHeader(req: IncomingMessage, name: string): string | undefined {
    const h = req.rawHeaders;
    for (let i = 0; i < h.length; i += 2) {
        if (h[i].length === name.length && h[i].toLowerCase() === name) return h[i + 1];
    }
    return undefined;
}

function header(req: IncomingMessage, name: string): string | undefined {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
}

/** Builds the HTTP server and its collaborators without listening. */
export function createApp(deps: AppDeps): App {
    const { config, logger } = deps;
    const now = deps.now ?? Date.now;
    const metrics = createMetrics(deps.registry);
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
    const flightDeps = {
        upstream,
        limiter,
        metrics,
        timeoutMs: config.upstreamTimeoutMs,
        maxResponseBytes: Math.max(config.maxEntryBytes, 8 * 1048576),
    };
    const flights = new Map<string, Flight>();
    const clientErrors = new ClientErrorLog(logger);
    const bodyLimits = { maxBytes: config.maxBodyBytes, timeoutMs: config.bodyTimeoutMs };
    let inFlightRequests = 0;
    let closing = false;
    let drained: (() => void) | undefined;

    const maxTtl = Math.max(MAX_RULE_TTL, config.defaultTtlSeconds);

    // Pre-bound label children: the hit path should not hash label objects on every request.
    const counters = new Map<string, { inc(): void }>();
    function count(result: string, cls: string): void {
        const k = result + "|" + cls;
        let c = counters.get(k);
        if (!c) counters.set(k, (c = metrics.requests.labels(result, cls)));
        c.inc();
    }
    const lookupLru = metrics.lookupDuration.labels("lru");
    const lookupRedis = metrics.lookupDuration.labels("redis");
    const lookupNone = metrics.lookupDuration.labels("none");

    function savedTokens(entry: { usage?: { total_tokens?: number } }): void {
        const t = entry.usage?.total_tokens;
        if (typeof t === "number" && t > 0) metrics.savedTokens.inc(t);
    }

    function store_(hash: string, outcome: Outcome, controls: CacheControls, cls: string): void {
        if (outcome.kind !== "ok") return;
        const c = outcome.completion;
        if (!isCacheableCompletion(c)) {
            metrics.cacheWrites.inc({ outcome: "skipped_uncacheable" });
            return;
        }
        const body = Buffer.from(JSON.stringify(c));
        if (body.length > config.maxEntryBytes) {
            metrics.cacheWrites.inc({ outcome: "skipped_too_large" });
            return;
        }
        const ttl =
            controls.ttl !== undefined
                ? Math.min(Math.max(controls.ttl, 1), maxTtl)
                : ttlFor(config.rules, cls, completionText(c));
        const entry: Entry = { storedAt: now(), ttl, completion: c, body };
        store.set(hash, entry);
        logger.debug({ key: hash.slice(0, 16), ttl, bytes: body.length }, "cached completion");
    }

    /** Decisions derived from a validated request (memoised per fingerprint; holds no prompt text). */
    interface Prepared {
        controls: CacheControls;
        cls: string;
        stream: boolean;
        includeUsage: boolean;
        cacheable: boolean;
        hash?: string;
    }
    // A plain Map (cleared when full) is several times cheaper per lookup than an LRU, and losing it only costs a re-parse.
    const prepared = new Map<string, Prepared>();
    const PREPARED_MAX = 10000;
    function remember(fingerprint: string, prep: Prepared): void {
        if (prepared.size >= PREPARED_MAX) prepared.clear();
        prepared.set(fingerprint, prep);
    }

    function prepare(req: IncomingMessage, body: ChatRequest): Prepared {
        const controls = parseControls(body.cache, header(req, "cache-control"));
        const metadata = body.metadata as Record<string, unknown> | undefined;
        const context =
            header(req, "x-chat-context") ?? (typeof metadata?.context === "string" ? metadata.context : undefined);
        const stream = body.stream === true;
        const includeUsage =
            stream && (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
        const temperature = typeof body.temperature === "number" ? body.temperature : 1;
        const deterministic = temperature === 0 || typeof body.seed === "number";
        const n = typeof body.n === "number" ? body.n : 1;
        const cacheable =
            (deterministic || controls.optIn || config.cacheNondeterministic) &&
            (n <= 1 || config.cacheMultipleChoices) &&
            !(controls.noCache && controls.noStore);
        const hash = cacheable
            ? cacheKey({
                  tenant: tenantOf(header(req, "authorization"), header(req, "x-tenant-id")),
                  namespace: controls.namespace,
                  body,
                  rules: config.rules,
              })
            : undefined;
        return { controls, cls: ttlClass(config.rules, context), stream, includeUsage, cacheable, hash };
    }

    /**
     * Fingerprint of everything that decides the key; a repeat of the same bytes skips parsing and key building.
     * Scans `rawHeaders` so the hit path never builds the lazy `req.headers` object.
     */
    function fingerprintOf(req: IncomingMessage, raw: Buffer): string {
        let auth = "";
        let tenant = "";
        let cc = "";
        let ctx = "";
        const h = req.rawHeaders;
        for (let i = 0; i < h.length; i += 2) {
            const name = h[i];
            if (name.length === 13 && name.toLowerCase() === "authorization") auth = h[i + 1];
            else if (name.length === 11 && name.toLowerCase() === "x-tenant-id") tenant = h[i + 1];
            else if (name.length === 13 && name.toLowerCase() === "cache-control") cc = h[i + 1];
            else if (name.length === 14 && name.toLowerCase() === "x-chat-context") ctx = h[i + 1];
        }
        return sha256hex(`${auth}\n${tenant}\n${cc}\n${ctx}\n${raw.toString("latin1")}`);
    }

    /** Answers from a fresh entry; true when it did. */
    function serveFresh(res: ServerResponse, requestId: string, prep: Prepared, entry: Entry): boolean {
        if (!store.isFresh(entry)) return false;
        const age = store.age(entry);
        if (prep.controls.maxAge !== undefined && age > prep.controls.maxAge) return false;
        count("hit", prep.cls);
        savedTokens(entry.completion);
        sendCompletion(res, entry.completion, entry.body, prep.stream, prep.includeUsage, {
            "x-request-id": requestId,
            "x-cache-status": "HIT",
            age,
        });
        return true;
    }

    /**
     * The hot path, fully synchronous: a request seen before whose answer sits fresh in the local tier.
     * Returns false when the full (async) path must run.
     */
    function tryLocalHit(res: ServerResponse, requestId: string, fingerprint: string): boolean {
        const prep = prepared.get(fingerprint);
        if (!prep || prep.hash === undefined || prep.controls.noCache) return false;
        const t0 = performance.now();
        const found = store.getLocal(prep.hash);
        if (!found) return false;
        lookupLru.observe((performance.now() - t0) / 1000);
        return serveFresh(res, requestId, prep, found.entry);
    }

    async function chat(
        req: IncomingMessage,
        res: ServerResponse,
        requestId: string,
        raw: Buffer,
        fingerprint: string,
    ): Promise<void> {
        const baseHeaders: Record<string, string> = { "x-request-id": requestId };
        let body: ChatRequest | undefined;
        let prep = prepared.get(fingerprint);
        if (!prep) {
            body = parseChatRequest(raw);
            prep = prepare(req, body);
            remember(fingerprint, prep);
        }
        const { controls, stream, includeUsage, cacheable, hash } = prep;
        const cls = prep.cls;

        let stale: Entry | undefined;
        if (hash !== undefined && !controls.noCache) {
            const t0 = process.hrtime.bigint();
            // The local tier answers synchronously; only a local miss pays for the Redis round trip.
            const found = store.getLocal(hash) ?? (await store.get(hash));
            (found ? (found.tier === "lru" ? lookupLru : lookupRedis) : lookupNone).observe(
                Number(process.hrtime.bigint() - t0) / 1e9,
            );
            if (found) {
                if (serveFresh(res, requestId, prep, found.entry)) return;
                if (!store.isFresh(found.entry)) stale = found.entry;
            } else if (!flights.has(hash)) {
                // The Redis round trip above yields: an identical call may have finished meanwhile. Its answer went to
                // the local tier in the same tick its flight was removed, so look again before becoming a new leader.
                const late = store.getLocal(hash);
                if (late && serveFresh(res, requestId, prep, late.entry)) return;
            }
        }

        body ??= parseChatRequest(raw);
        // What goes upstream: the client's body without the proxy's own field (OpenAI rejects unknown arguments).
        const forward: Record<string, unknown> = { ...body };
        delete forward.cache;
        // Serialised before any flight exists: nothing after registering one may throw on the client's input.

        const coalesce = cacheable && !controls.noCache && !controls.noStore;
        const write = cacheable && !controls.noStore;
        let flight = coalesce ? flights.get(hash!) : undefined;
        let status: CacheStatus;
        let leader = false;
        if (flight) {
            status = "COALESCED";
        } else {
            status = coalesce ? "MISS" : "BYPASS";
            leader = true;
            // Cacheable streams always ask for usage so the stored entry can replay it to clients that want it.
            if (stream && write)
                forward.stream_options = { ...((body.stream_options as object) ?? {}), include_usage: true };
            flight = new Flight(stream);
        }
        const forwardBody = leader ? JSON.stringify(forward) : "";
        const f = flight;
        try {
            await new Promise<void>((resolve) => {
                joinFlight(resolve);
            });
        } catch (err) {
            // Whatever threw, a flight this request created must settle, or every identical request would hang on it.
            if (leader) settleBroken(f, coalesce ? hash : undefined, err);
            throw err;
        }
        function joinFlight(resolve: () => void): void {
            const sub = subscriberFor({
                res,
                stream,
                includeUsage,
                status,
                baseHeaders,
                onFailure: (outcome) => {
                    // stale-if-error: an expired entry beats an upstream failure or overload.
                    const serveStale =
                        stale &&
                        (outcome.kind !== "http-error" || outcome.status >= 500 || outcome.reason === "queue_full");
                    if (!serveStale || !stale) return false;
                    count("stale", cls);
                    savedTokens(stale.completion);
                    sendCompletion(res, stale.completion, stale.body, stream, includeUsage, {
                        ...baseHeaders,
                        "x-cache-status": "STALE",
                        age: store.age(stale),
                    });
                    resolve();
                    return true;
                },
                onFinished: (error) => {
                    stopWaiting();
                    count(error ? "error" : status.toLowerCase(), cls);
                    if (!error && status === "COALESCED" && f.outcome?.kind === "ok") savedTokens(f.outcome.completion);
                    resolve();
                },
            });
            let waiting = status === "COALESCED";
            if (waiting) metrics.coalesceWaiters.inc();
            function stopWaiting(): void {
                if (waiting) metrics.coalesceWaiters.dec();
                waiting = false;
            }
            res.on("close", () => {
                if (!res.writableFinished) {
                    stopWaiting();
                    f.unsubscribe(sub);
                    resolve();
                }
            });
            f.subscribe(sub);
            if (leader) {
                if (coalesce) {
                    flights.set(hash!, f);
                }
                void f.run(flightDeps, forwardBody, req.headers).then(
                    (outcome) => {
                        if (coalesce && flights.get(hash!) === f) flights.delete(hash!);
                        try {
                            if (write) store_(hash!, outcome, controls, cls);
                        } catch (err) {
                            logger.warn({ requestId, err: (err as Error).message }, "could not cache the answer");
                        }
                        if (outcome.kind !== "ok")
                            logger.warn(
                                {
                                    requestId,
                                    reason: outcome.reason,
                                    status: outcome.kind === "http-error" ? outcome.status : 200,
                                },
                                "upstream call failed",
                            );
                    },
                    (err: unknown) => settleBroken(f, coalesce ? hash : undefined, err),
                );
            }
        }
    }

    /** Settles a flight whose leader failed outside the upstream call, and unregisters it. */
    function settleBroken(f: Flight, hash: string | undefined, err: unknown): void {
        if (hash !== undefined && flights.get(hash) === f) flights.delete(hash);
        if (f.outcome) return;
        logger.error(
            { err: (err as Error)?.message, stack: (err as Error)?.stack },
            "flight failed outside the upstream call",
        );
        f.finish({
            kind: "http-error",
            status: 500,
            headers: {},
            body: JSON.stringify(errorBody("Internal Server Error", "server_error")),
            reason: "internal",
        });
    }

    let upstreamState: { at: number; up: boolean; detail: string } = { at: 0, up: false, detail: "not checked" };
    async function checkUpstream(): Promise<typeof upstreamState> {
        if (now() - upstreamState.at < 5000) return upstreamState;
        try {
            const r = await upstream.request("GET", "models", undefined, {}, AbortSignal.timeout(2000));
            r.body.resume();
            upstreamState = { at: now(), up: r.status < 500, detail: `HTTP ${r.status}` };
        } catch (err) {
            upstreamState = {
                at: now(),
                up: false,
                detail: (err as NodeJS.ErrnoException).code ?? (err as Error).name,
            };
        }
        return upstreamState;
    }

    async function models(
        req: IncomingMessage,
        res: ServerResponse,
        baseHeaders: Record<string, string>,
    ): Promise<void> {
        try {
            const r = await upstream.request(
                "GET",
                "models",
                undefined,
                req.headers,
                AbortSignal.timeout(config.upstreamTimeoutMs),
            );
            const text = (await readAll(r.body, 8 * 1048576)).toString("utf8");
            sendJson(res, r.status, text, { ...baseHeaders });
        } catch (err) {
            sendJson(
                res,
                502,
                JSON.stringify(
                    errorBody(
                        "The upstream could not be reached: " +
                            ((err as NodeJS.ErrnoException).code ?? (err as Error).name),
                        "server_error",
                        "upstream_unreachable",
                    ),
                ),
                baseHeaders,
            );
        }
    }

    /** POST /v1/chat/completions: callback style up to the local-tier lookup, so a hit creates no promise. */
    function completions(
        req: IncomingMessage,
        res: ServerResponse,
        requestId: string,
        onError: (err: unknown) => void,
    ): void {
        if (!isJsonContentType(rawHeader(req, "content-type"))) {
            refuse(
                res,
                requestId,
                415,
                "The request body must be JSON: send `content-type: application/json`.",
                "unsupported_media_type",
            );
            return;
        }
        readBody(req, bodyLimits, (problem, raw) => {
            if (problem === "too_large") {
                res.setHeader("connection", "close");
                refuse(
                    res,
                    requestId,
                    413,
                    `Request body exceeds MAX_BODY_BYTES (${config.maxBodyBytes} bytes).`,
                    "request_too_large",
                );
                return;
            }
            if (problem === "timeout") {
                res.setHeader("connection", "close");
                refuse(
                    res,
                    requestId,
                    408,
                    `The request body did not arrive within BODY_TIMEOUT_MS=${config.bodyTimeoutMs} ms.`,
                    "request_timeout",
                );
                req.destroy();
                return;
            }
            if (problem === "aborted") return;
            const fingerprint = fingerprintOf(req, raw);
            if (tryLocalHit(res, requestId, fingerprint)) return;
            chat(req, res, requestId, raw, fingerprint).catch((err: unknown) => {
                if (!(err instanceof HttpError)) return onError(err);
                count("error", "default");
                clientErrors.note({ requestId, status: err.status, param: err.param }, "request refused");
                sendJson(res, err.status, JSON.stringify(err.toBody()), { ...err.headers, "x-request-id": requestId });
            });
        });
    }

    /** Answers a client mistake found before parsing, in OpenAI's error shape, and logs it (rate-limited). */
    function refuse(res: ServerResponse, requestId: string, status: number, message: string, code: string): void {
        count("error", "default");
        clientErrors.note({ requestId, status, code }, "request refused");
        sendJson(res, status, JSON.stringify(errorBody(message, "invalid_request_error", code)), {
            "x-request-id": requestId,
        });
    }

    async function handle(req: IncomingMessage, res: ServerResponse, requestId: string, path: string): Promise<void> {
        const baseHeaders = { "x-request-id": requestId };
        if (path === "/v1/chat/completions" || path === "/chat/completions") {
            if (req.method !== "POST") {
                sendJson(
                    res,
                    405,
                    JSON.stringify(
                        errorBody(
                            `Method ${req.method} is not allowed on ${path}; use POST.`,
                            "invalid_request_error",
                            "method_not_allowed",
                        ),
                    ),
                    { ...baseHeaders, allow: "POST" },
                );
                return;
            }
            return;
        }
        if (req.method === "GET" && (path === "/v1/models" || path === "/models")) return models(req, res, baseHeaders);
        if (req.method === "GET" && path === "/healthz") return sendJson(res, 200, '{"status":"ok"}', baseHeaders);
        if (req.method === "GET" && path === "/readyz") {
            const up = await checkUpstream();
            const s = store.state();
            const ready = up.up && !closing;
            return sendJson(
                res,
                ready ? 200 : 503,
                JSON.stringify({
                    status: ready ? "ready" : "not_ready",
                    upstream: { up: up.up, detail: up.detail },
                    redis: { status: s.redis, circuit: s.circuit },
                    closing,
                }),
                baseHeaders,
            );
        }
        if (req.method === "GET" && path === "/metrics") {
            metrics.redisUp.set(store.state().redis === "ready" ? 1 : 0);
            const text = await deps.registry.metrics();
            res.writeHead(200, { ...baseHeaders, "content-type": deps.registry.contentType });
            res.end(text);
            return;
        }
        sendJson(
            res,
            404,
            JSON.stringify(
                errorBody(`Unknown request URL: ${req.method} ${path}.`, "invalid_request_error", "unknown_url"),
            ),
            baseHeaders,
        );
    }

    // Request ids: a random per-process prefix plus a counter; unique across replicas without a UUID per request.
    const idPrefix = randomUUID().slice(0, 24);
    let idCounter = 0;
    const nextRequestId = () => idPrefix + (++idCounter).toString(16).padStart(12, "0");

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
            const done = () => {
                if (!counted) return;
                counted = false;
                inFlightRequests--;
                if (closing && inFlightRequests === 0) drained?.();
            };
            res.on("close", done);
            const onError = (err: unknown) => {
                logger.error({ err: (err as Error).message, stack: (err as Error).stack }, "unhandled error");
                if (!res.headersSent)
                    sendJson(res, 500, JSON.stringify(errorBody("Internal Server Error", "server_error")));
                else res.destroy();
            };
            const requestId = nextRequestId();
            if (closing) res.setHeader("connection", "close");
            const url = req.url ?? "/";
            const q = url.indexOf("?");
            const path = q === -1 ? url : url.slice(0, q);
            if (req.method === "POST" && (path === "/v1/chat/completions" || path === "/chat/completions"))
                completions(req, res, requestId, onError);
            else handle(req, res, requestId, path).catch(onError);
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
        await Promise.allSettled([...flights.values()].map((fl) => fl.done));
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
