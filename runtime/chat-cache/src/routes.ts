import type { IncomingMessage, ServerResponse } from "node:http";
import type { Registry } from "prom-client";
import type { Config } from "./config";
import { CHAT_CACHE_PATHS } from "./contract";
import { errorBody } from "./errors";
import type { Metrics } from "./metrics";
import type { CompletionsPipeline } from "./pipeline";
import { sendJson } from "./respond";
import type { CacheStore } from "./store";
import { readAll, type UpstreamClient } from "./upstream";

/** Handles one request on a matched route; `onError` gets the proxy's own failures (500). */
export type RouteHandler = (
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    onError: (err: unknown) => void,
) => void;

/** Path -> method -> handler. */
export type RouteTable = ReadonlyMap<string, Readonly<Record<string, RouteHandler>>>;

/** What the routes answer from. */
export interface RouteDeps {
    config: Pick<Config, "upstreamTimeoutMs">;
    store: CacheStore;
    metrics: Metrics;
    registry: Registry;
    upstream: UpstreamClient;
    completions: CompletionsPipeline;
    now: () => number;
    /** True once shutdown began (`/readyz` answers 503). */
    closing: () => boolean;
}

/** Builds the route table: the OpenAI-compatible API plus the platform's health, readiness and metrics paths. */
export function createRoutes(deps: RouteDeps): RouteTable {
    const { upstream, store, metrics, registry, completions } = deps;
    const completionsRoute = { POST: completions.handle };
    const modelsRoute = { GET: asyncRoute(models) };

    let upstreamState = { at: 0, up: false, detail: "not checked" };
    /** Upstream reachability for `/readyz`, probed at most every 5 s. */
    async function checkUpstream(): Promise<typeof upstreamState> {
        if (deps.now() - upstreamState.at < 5000) return upstreamState;
        try {
            const r = await upstream.request("GET", "models", undefined, {}, AbortSignal.timeout(2000));
            r.body.resume();
            upstreamState = { at: deps.now(), up: r.status < 500, detail: `HTTP ${r.status}` };
        } catch (err) {
            upstreamState = {
                at: deps.now(),
                up: false,
                detail: (err as NodeJS.ErrnoException).code ?? (err as Error).name,
            };
        }
        return upstreamState;
    }

    /** `GET /v1/models`: passed through to the upstream. */
    async function models(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
        const baseHeaders = { "x-request-id": requestId };
        try {
            const r = await upstream.request(
                "GET",
                "models",
                undefined,
                req.headers,
                AbortSignal.timeout(deps.config.upstreamTimeoutMs),
            );
            const text = (await readAll(r.body, 8 * 1048576)).toString("utf8");
            sendJson(res, r.status, text, baseHeaders);
        } catch (err) {
            const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).name;
            sendJson(
                res,
                502,
                JSON.stringify(
                    errorBody("The upstream could not be reached: " + reason, "server_error", "upstream_unreachable"),
                ),
                baseHeaders,
            );
        }
    }

    async function readyz(_req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
        const up = await checkUpstream();
        const s = store.state();
        const closing = deps.closing();
        const ready = up.up && !closing;
        sendJson(
            res,
            ready ? 200 : 503,
            JSON.stringify({
                status: ready ? "ready" : "not_ready",
                upstream: { up: up.up, detail: up.detail },
                redis: { status: s.redis, circuit: s.circuit },
                closing,
            }),
            { "x-request-id": requestId },
        );
    }

    async function metricsText(_req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
        metrics.redisUp.set(store.state().redis === "ready" ? 1 : 0);
        const text = await registry.metrics();
        res.writeHead(200, { "x-request-id": requestId, "content-type": registry.contentType });
        res.end(text);
    }

    return new Map<string, Record<string, RouteHandler>>([
        ["/v1/chat/completions", completionsRoute],
        ["/chat/completions", completionsRoute],
        ["/v1/models", modelsRoute],
        ["/models", modelsRoute],
        [
            CHAT_CACHE_PATHS.health,
            { GET: (_req, res, requestId) => sendJson(res, 200, '{"status":"ok"}', { "x-request-id": requestId }) },
        ],
        ["/readyz", { GET: asyncRoute(readyz) }],
        [CHAT_CACHE_PATHS.metrics, { GET: asyncRoute(metricsText) }],
    ]);
}

function asyncRoute(fn: (req: IncomingMessage, res: ServerResponse, requestId: string) => Promise<void>): RouteHandler {
    return (req, res, requestId, onError) => void fn(req, res, requestId).catch(onError);
}

/** Finds the handler for a request: 404 for an unknown path, 405 (with `allow`) for a known path and another method. */
export function dispatch(
    routes: RouteTable,
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    onError: (err: unknown) => void,
): void {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q === -1 ? url : url.slice(0, q);
    const methods = routes.get(path);
    const method = req.method ?? "GET";
    const handler = methods?.[method];
    if (handler) return handler(req, res, requestId, onError);
    const baseHeaders = { "x-request-id": requestId };
    if (methods) {
        const allow = Object.keys(methods).join(", ");
        sendJson(
            res,
            405,
            JSON.stringify(
                errorBody(
                    `Method ${method} is not allowed on ${path}; use ${allow}.`,
                    "invalid_request_error",
                    "method_not_allowed",
                ),
            ),
            { ...baseHeaders, allow },
        );
        return;
    }
    sendJson(
        res,
        404,
        JSON.stringify(errorBody(`Unknown request URL: ${method} ${path}.`, "invalid_request_error", "unknown_url")),
        baseHeaders,
    );
}
