import type { ServerResponse } from "node:http";
import { renderStream, type Completion } from "./completion";
import { errorBody, type OpenAIErrorBody } from "./errors";
import type { Outcome, Subscriber } from "./flight";
import { sseEvent, SSE_DONE } from "./sse";

/** Cache status reported in `x-cache-status`. */
export type CacheStatus = "HIT" | "MISS" | "BYPASS" | "COALESCED" | "STALE";

/** Writes a JSON response with the proxy's standard headers. */
export function sendJson(
    res: ServerResponse,
    status: number,
    body: string,
    headers: Record<string, string | number> = {},
): void {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, {
        ...headers,
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
    });
    res.end(body);
}

/** Sends a stored or fresh completion in the shape the current request asked for (JSON or SSE). */
export function sendCompletion(
    res: ServerResponse,
    completion: Completion,
    body: Buffer | undefined,
    stream: boolean,
    includeUsage: boolean,
    headers: Record<string, string | number>,
): void {
    if (res.headersSent || res.destroyed) return;
    if (!stream) {
        if (body) {
            // Hot path (cache hits): one literal header object, pre-encoded body bytes.
            headers["content-type"] = "application/json";
            headers["content-length"] = body.length;
            res.writeHead(200, headers);
            res.end(body);
        } else {
            sendJson(res, 200, JSON.stringify(completion), headers);
        }
        return;
    }
    const sse = renderStream(completion, includeUsage);
    res.writeHead(200, {
        ...headers,
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        "content-length": Buffer.byteLength(sse),
    });
    res.end(sse);
}

/** What a subscriber needs to answer one client. */
export interface ClientView {
    res: ServerResponse;
    stream: boolean;
    includeUsage: boolean;
    status: CacheStatus;
    baseHeaders: Record<string, string>;
    /** Called for an upstream failure before any byte was sent; returns true when it answered (stale-if-error). */
    onFailure?: (outcome: Outcome) => boolean;
    /** Called when the client was answered, with whether it was an error. */
    onFinished: (error: boolean) => void;
}

function errorEventBody(e: OpenAIErrorBody): string {
    return sseEvent(JSON.stringify(e));
}

/**
 * Turns flight events into one client's response: streaming clients of a streaming flight get chunks as they
 * arrive; everything else waits for the outcome and is rendered in the client's own shape.
 */
export function subscriberFor(view: ClientView): Subscriber {
    const { res } = view;
    let streaming = false;
    const crash = () => {
        if (!res.headersSent && !res.destroyed)
            sendJson(res, 500, JSON.stringify(errorBody("Internal Server Error", "server_error")), view.baseHeaders);
        else res.destroy();
        view.onFinished(true);
    };
    return {
        onCrash: crash,
        onHead(headers) {
            if (!view.stream || res.headersSent || res.destroyed) return;
            streaming = true;
            res.writeHead(200, {
                ...headers,
                ...view.baseHeaders,
                "x-cache-status": view.status,
                "content-type": "text/event-stream",
                "cache-control": "no-cache",
            });
            res.flushHeaders();
        },
        onEvent(data, usage) {
            if (!streaming || res.destroyed || (usage && !view.includeUsage)) return;
            res.write(sseEvent(data));
        },
        onDone(outcome) {
            if (streaming) {
                if (outcome.kind === "ok") {
                    res.end(SSE_DONE);
                    view.onFinished(false);
                } else {
                    const err: OpenAIErrorBody =
                        outcome.kind === "stream-failed"
                            ? outcome.error
                            : {
                                  error: {
                                      message: "The upstream failed mid-stream.",
                                      type: "server_error",
                                      param: null,
                                      code: "upstream_stream_failed",
                                  },
                              };
                    res.end(errorEventBody(err));
                    view.onFinished(true);
                }
                return;
            }
            if (outcome.kind === "ok") {
                sendCompletion(res, outcome.completion, undefined, view.stream, view.includeUsage, {
                    ...outcome.headers,
                    ...view.baseHeaders,
                    "x-cache-status": view.status,
                });
                view.onFinished(false);
                return;
            }
            if (view.onFailure?.(outcome)) return;
            if (outcome.kind === "http-error") {
                sendJson(res, outcome.status, outcome.body, {
                    ...outcome.headers,
                    ...view.baseHeaders,
                    "x-cache-status": view.status,
                });
            } else {
                sendJson(res, 502, JSON.stringify(outcome.error), {
                    ...view.baseHeaders,
                    "x-cache-status": view.status,
                });
            }
            view.onFinished(true);
        },
    };
}
