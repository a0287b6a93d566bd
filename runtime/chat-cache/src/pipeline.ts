import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import type { Logger } from "pino";
import { isJsonContentType, readBody } from "./body";
import type { ClientErrorLog } from "./clientErrors";
import type { Config } from "./config";
import { errorBody, HttpError } from "./errors";
import { Flight, type FlightDeps, type Outcome } from "./flight";
import { leadFlight } from "./leadFlight";
import { rawHeader } from "./headers";
import type { Metrics } from "./metrics";
import { fingerprintOf, RequestPreparer, type Prepared } from "./prepare";
import type { ReplicaCoordinator } from "./replicas";
import { parseChatRequest, type ChatRequest } from "./request";
import type { RequestCounters } from "./requestCounters";
import { sendCompletion, sendJson, subscriberFor, type CacheStatus } from "./respond";
import type { CacheStore, Entry } from "./store";
import { writeBack } from "./writeBack";

/** What the completions pipeline works with; `createApp` builds these. */
export interface PipelineDeps {
    config: Config;
    logger: Logger;
    store: CacheStore;
    metrics: Metrics;
    counters: RequestCounters;
    clientErrors: ClientErrorLog;
    flightDeps: FlightDeps;
    now: () => number;
    /** Cross-replica coalescing through Redis; absent, coalescing stays within this process. */
    coordinator?: ReplicaCoordinator;
}

/** `POST /v1/chat/completions`: read, validate, answer from the cache, or join / lead one shared upstream call. */
export interface CompletionsPipeline {
    /** Handles one request; `onError` gets failures that are the proxy's fault (500). */
    handle(req: IncomingMessage, res: ServerResponse, requestId: string, onError: (err: unknown) => void): void;
    /** Resolves when every upstream call in progress has settled (shutdown). */
    settled(): Promise<void>;
}

/** Builds the completions pipeline. */
export function createCompletionsPipeline(deps: PipelineDeps): CompletionsPipeline {
    const { config, logger, store, metrics, counters, clientErrors } = deps;
    const preparer = new RequestPreparer(config);
    const flights = new Map<string, Flight>();
    const bodyLimits = { maxBytes: config.maxBodyBytes, timeoutMs: config.bodyTimeoutMs };

    /** Answers a client mistake found before parsing, in OpenAI's error shape, and logs it (rate-limited). */
    function refuse(res: ServerResponse, requestId: string, status: number, message: string, code: string): void {
        counters.count("error", "default");
        clientErrors.note({ requestId, status, code }, "request refused");
        sendJson(res, status, JSON.stringify(errorBody(message, "invalid_request_error", code)), {
            "x-request-id": requestId,
        });
    }

    /** Answers from a fresh entry; true when it did. */
    function serveFresh(res: ServerResponse, requestId: string, prep: Prepared, entry: Entry): boolean {
        if (!store.isFresh(entry)) return false;
        const age = store.age(entry);
        if (prep.controls.maxAge !== undefined && age > prep.controls.maxAge) return false;
        counters.count("hit", prep.cls);
        counters.savedTokens(entry.completion);
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
        const prep = preparer.recall(fingerprint);
        if (!prep || prep.hash === undefined || prep.controls.noCache) return false;
        const t0 = performance.now();
        const found = store.getLocal(prep.hash);
        if (!found) return false;
        counters.lookup.lru.observe((performance.now() - t0) / 1000);
        return serveFresh(res, requestId, prep, found.entry);
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

    async function chat(
        req: IncomingMessage,
        res: ServerResponse,
        requestId: string,
        raw: Buffer,
        fingerprint: string,
    ): Promise<void> {
        const baseHeaders: Record<string, string> = { "x-request-id": requestId };
        let body: ChatRequest | undefined;
        let prep = preparer.recall(fingerprint);
        if (!prep) {
            body = parseChatRequest(raw);
            prep = preparer.prepare(req, body, fingerprint);
        }
        const { controls, stream, includeUsage, cacheable, hash, cls } = prep;

        let stale: Entry | undefined;
        if (hash !== undefined && !controls.noCache) {
            const t0 = process.hrtime.bigint();
            // The local tier answers synchronously; only a local miss pays for the Redis round trip.
            const found = store.getLocal(hash) ?? (await store.get(hash));
            (found ? counters.lookup[found.tier] : counters.lookup.none).observe(
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
        // Serialised before any flight is registered: nothing after that may throw on the client's input.
        const forwardBody = leader ? JSON.stringify(forward) : "";
        const f = flight;
        try {
            await new Promise<void>((resolve) => joinFlight(resolve));
        } catch (err) {
            // Whatever threw, a flight this request created must settle, or every identical request would hang on it.
            if (leader) settleBroken(f, coalesce ? hash : undefined, err);
            throw err;
        }

        function joinFlight(resolve: () => void): void {
            let waiting = status === "COALESCED";
            const stopWaiting = () => {
                if (waiting) metrics.coalesceWaiters.dec();
                waiting = false;
            };
            const view = {
                res,
                stream,
                includeUsage,
                // A leader whose flight follows another replica's call answers as COALESCED too.
                get status(): CacheStatus {
                    return leader && f.remote ? "COALESCED" : status;
                },
                baseHeaders,
                onFailure: (outcome: Outcome) => {
                    // stale-if-error: an expired entry beats an upstream failure or overload.
                    const serveStale =
                        stale &&
                        (outcome.kind !== "http-error" || outcome.status >= 500 || outcome.reason === "queue_full");
                    if (!serveStale || !stale) return false;
                    stopWaiting();
                    counters.count("stale", cls);
                    counters.savedTokens(stale.completion);
                    sendCompletion(res, stale.completion, stale.body, stream, includeUsage, {
                        ...baseHeaders,
                        "x-cache-status": "STALE",
                        age: store.age(stale),
                    });
                    resolve();
                    return true;
                },
                onFinished: (error: boolean) => {
                    stopWaiting();
                    const result = view.status;
                    counters.count(error ? "error" : result.toLowerCase(), cls);
                    if (!error && result === "COALESCED" && f.outcome?.kind === "ok")
                        counters.savedTokens(f.outcome.completion);
                    resolve();
                },
            };
            const sub = subscriberFor(view);
            if (waiting) metrics.coalesceWaiters.inc();
            if (leader)
                f.onRemote = () => {
                    if (waiting || res.writableFinished) return;
                    waiting = true;
                    metrics.coalesceWaiters.inc();
                };
            res.on("close", () => {
                if (!res.writableFinished) {
                    stopWaiting();
                    f.unsubscribe(sub);
                    resolve();
                }
            });
            f.subscribe(sub);
            if (!leader) return;
            const storeAnswer = (outcome: Outcome): Entry | undefined => {
                if (outcome.kind !== "ok")
                    logger.warn(
                        {
                            requestId,
                            reason: outcome.reason,
                            status: outcome.kind === "http-error" ? outcome.status : 200,
                        },
                        "upstream call failed",
                    );
                if (!write) return undefined;
                try {
                    return writeBack(deps, hash!, outcome, controls, cls);
                } catch (err) {
                    logger.warn({ requestId, err: (err as Error).message }, "could not cache the answer");
                    return undefined;
                }
            };
            if (!coalesce) {
                void f
                    .run(deps.flightDeps, forwardBody, req.headers)
                    .then(storeAnswer, (err: unknown) => settleBroken(f, undefined, err));
                return;
            }
            flights.set(hash!, f);
            void leadFlight(deps, {
                flight: f,
                hash: hash!,
                body: forwardBody,
                headers: req.headers,
                writeBack: storeAnswer,
                acceptStored: controls.maxAge === undefined,
            }).then(
                () => {
                    if (flights.get(hash!) === f) flights.delete(hash!);
                },
                (err: unknown) => settleBroken(f, hash, err),
            );
        }
    }

    function handle(
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
                counters.count("error", "default");
                clientErrors.note({ requestId, status: err.status, param: err.param }, "request refused");
                sendJson(res, err.status, JSON.stringify(err.toBody()), { ...err.headers, "x-request-id": requestId });
            });
        });
    }

    return {
        handle,
        async settled() {
            await Promise.allSettled([...flights.values()].map((fl) => fl.done));
        },
    };
}
