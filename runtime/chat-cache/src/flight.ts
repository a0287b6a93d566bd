import type { IncomingHttpHeaders } from "node:http";
import { StreamAssembler, type Completion } from "./completion";
import { errorBody, HttpError, type OpenAIErrorBody } from "./errors";
import type { UpstreamLimiter } from "./limiter";
import { depthOf } from "./limits";
import type { Metrics } from "./metrics";
import { SseParser } from "./sse";
import { passThroughHeaders, readAll, type UpstreamClient } from "./upstream";

/** Deepest nesting accepted in an upstream answer (real completions nest fewer than 10 levels). */
const MAX_ANSWER_DEPTH = 256;

/** How one upstream call ended. */
export type Outcome =
    | { kind: "ok"; completion: Completion; headers: Record<string, string> }
    /** An answer that is not a completion: upstream 4xx/5xx passed through, or the proxy's own 429/502/504. */
    | { kind: "http-error"; status: number; headers: Record<string, string>; body: string; reason: string }
    /** The upstream stream started (200) and then failed; streaming callers get `data: {"error": ...}`. */
    | { kind: "stream-failed"; error: OpenAIErrorBody; reason: string };

/** A caller attached to a flight. Stream events only arrive for flights whose upstream call streams. */
export interface Subscriber {
    onHead(headers: Record<string, string>): void;
    /** Raw `data` JSON of one upstream chunk; `usage` marks the usage-only chunk. */
    onEvent(data: string, usage: boolean): void;
    onDone(outcome: Outcome): void;
    /** Called when one of the calls above threw: the subscriber must close its client (it is detached already). */
    onCrash(err: unknown): void;
}

/** Calls into one subscriber; a throw is contained there, so the others and the flight itself still settle. */
function deliver(sub: Subscriber, call: (s: Subscriber) => void, detach: (s: Subscriber) => void): void {
    try {
        call(sub);
    } catch (err) {
        detach(sub);
        try {
            sub.onCrash(err);
        } catch {
            // Nothing more can be done for this client; the others must not pay for it.
        }
    }
}

/** What a flight needs to call the upstream. */
export interface FlightDeps {
    upstream: UpstreamClient;
    limiter: UpstreamLimiter;
    metrics: Metrics;
    timeoutMs: number;
    maxResponseBytes: number;
}

function proxyError(
    status: number,
    message: string,
    type: string,
    code: string,
    reason: string,
    headers: Record<string, string> = {},
): Outcome {
    return { kind: "http-error", status, headers, body: JSON.stringify(errorBody(message, type, code)), reason };
}

/**
 * One upstream call shared by every caller with the same key (single flight). It is detached from any one client:
 * it is aborted only when every subscriber has left. Late subscribers get the buffered head and chunks, then live ones.
 */
export class Flight {
    head: Record<string, string> | undefined;
    readonly events: Array<{ data: string; usage: boolean }> = [];
    outcome: Outcome | undefined;
    private readonly subscribers = new Set<Subscriber>();
    private readonly controller = new AbortController();
    private abortReason: "timeout" | "abandoned" | undefined;
    readonly done: Promise<Outcome>;
    private resolveDone!: (o: Outcome) => void;

    constructor(
        /** Whether the upstream call streams. */
        readonly stream: boolean,
    ) {
        this.done = new Promise((r) => (this.resolveDone = r));
    }

    private isRemote = false;
    /** Called when the flight starts following another replica's call (the local leader request now waits too). */
    onRemote: (() => void) | undefined;

    /** True while this replica follows another replica's call instead of calling the upstream itself. */
    get remote(): boolean {
        return this.isRemote;
    }
    set remote(v: boolean) {
        const was = this.isRemote;
        this.isRemote = v;
        if (v && !was) this.onRemote?.();
    }
    /** Sees the head and every chunk as they are fanned out (the Redis lease holder publishes them to other replicas). */
    tap:
        | ((msg: { t: "head"; headers: Record<string, string> } | { t: "event"; data: string; usage: boolean }) => void)
        | undefined;

    get size(): number {
        return this.subscribers.size;
    }

    /** Aborted when every subscriber left (or the upstream call timed out). */
    get signal(): AbortSignal {
        return this.controller.signal;
    }

    /** Fans out a head received from another replica's call. */
    relayHead(h: Record<string, string>): void {
        this.emitHead(h);
    }

    /** Fans out a chunk received from another replica's call. */
    relayEvent(data: string, usage: boolean): void {
        this.emitEvent(data, usage);
    }

    /** Attaches a caller and replays what already happened. */
    subscribe(sub: Subscriber): void {
        let crashed = false;
        deliver(
            sub,
            (s) => {
                if (this.head) s.onHead(this.head);
                for (const e of this.events) s.onEvent(e.data, e.usage);
                if (this.outcome) s.onDone(this.outcome);
            },
            () => (crashed = true),
        );
        if (!crashed && !this.outcome) this.subscribers.add(sub);
    }

    /** Detaches a caller that went away; the last one leaving aborts the upstream call. */
    unsubscribe(sub: Subscriber): void {
        this.subscribers.delete(sub);
        if (this.subscribers.size === 0 && !this.outcome) {
            this.abortReason = "abandoned";
            this.controller.abort();
        }
    }

    private emitHead(h: Record<string, string>): void {
        this.head = h;
        this.tap?.({ t: "head", headers: h });
        for (const s of [...this.subscribers]) deliver(s, (x) => x.onHead(h), this.detach);
    }

    private emitEvent(data: string, usage: boolean): void {
        this.events.push({ data, usage });
        this.tap?.({ t: "event", data, usage });
        for (const s of [...this.subscribers]) deliver(s, (x) => x.onEvent(data, usage), this.detach);
    }

    private readonly detach = (s: Subscriber) => this.subscribers.delete(s);

    /**
     * Settles the flight once: every subscriber gets `o` (a throwing one is contained) and `done` resolves.
     * Public so a caller that failed after registering the flight can still settle it; later calls are ignored.
     */
    finish(o: Outcome): void {
        if (this.outcome) return;
        this.outcome = o;
        const subs = [...this.subscribers];
        this.subscribers.clear();
        for (const s of subs)
            deliver(
                s,
                (x) => x.onDone(o),
                () => undefined,
            );
        this.resolveDone(o);
    }

    /** Runs the upstream call once; the returned promise never rejects. */
    async run(deps: FlightDeps, body: string, clientHeaders: IncomingHttpHeaders): Promise<Outcome> {
        const { metrics } = deps;
        let release: () => void;
        try {
            release = await deps.limiter.acquire(this.controller.signal);
        } catch (err) {
            if (err instanceof HttpError) {
                metrics.rejections.inc({ reason: "queue_full" });
                this.finish({
                    kind: "http-error",
                    status: err.status,
                    headers: err.headers,
                    body: JSON.stringify(err.toBody()),
                    reason: "queue_full",
                });
            } else {
                this.finish(
                    proxyError(
                        499,
                        "Every caller went away before an upstream slot was free.",
                        "server_error",
                        "client_closed",
                        "abandoned",
                    ),
                );
            }
            return this.done;
        }
        const started = process.hrtime.bigint();
        const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
        let timer: NodeJS.Timeout | undefined;
        const arm = () => {
            clearTimeout(timer);
            timer = setTimeout(() => {
                this.abortReason = "timeout";
                this.controller.abort();
            }, deps.timeoutMs);
        };
        let statusLabel = "error";
        try {
            arm();
            const res = await deps.upstream.request(
                "POST",
                "chat/completions",
                body,
                clientHeaders,
                this.controller.signal,
                this.stream,
            );
            statusLabel = String(res.status);
            const headers = passThroughHeaders(res.headers);
            const isSse = String(res.headers["content-type"] ?? "").includes("text/event-stream");
            if (res.status !== 200) {
                const text = (await readAll(res.body, deps.maxResponseBytes)).toString("utf8");
                metrics.upstreamTtft.observe(seconds());
                this.finish({ kind: "http-error", status: res.status, headers, body: text, reason: "upstream_status" });
            } else if (!isSse) {
                const text = (await readAll(res.body, deps.maxResponseBytes)).toString("utf8");
                metrics.upstreamTtft.observe(seconds());
                let completion: Completion;
                try {
                    completion = JSON.parse(text);
                    // Stored answers are re-serialised and rendered recursively: refuse absurd nesting here, once.
                    if (depthOf(completion, MAX_ANSWER_DEPTH) > MAX_ANSWER_DEPTH) throw new Error("too deep");
                } catch {
                    this.finish(
                        proxyError(
                            502,
                            "The upstream answered 200 with a body that is not JSON (or nests absurdly deep).",
                            "server_error",
                            "upstream_bad_response",
                            "bad_response",
                        ),
                    );
                    return this.done;
                }
                this.finish({ kind: "ok", completion, headers });
            } else {
                await this.pump(res.body, headers, arm, () => metrics.upstreamTtft.observe(seconds()));
            }
        } catch (err) {
            if (this.abortReason === "timeout") {
                statusLabel = "timeout";
                metrics.rejections.inc({ reason: "timeout" });
                const msg = `The upstream did not answer within UPSTREAM_TIMEOUT_MS=${deps.timeoutMs} ms.`;
                if (this.head)
                    this.finish({
                        kind: "stream-failed",
                        error: errorBody(msg, "server_error", "upstream_timeout"),
                        reason: "timeout",
                    });
                else this.finish(proxyError(504, msg, "server_error", "upstream_timeout", "timeout"));
            } else if (this.abortReason === "abandoned") {
                this.finish(proxyError(499, "Every caller went away.", "server_error", "client_closed", "abandoned"));
            } else {
                metrics.rejections.inc({ reason: this.head ? "stream_failed" : "upstream_unreachable" });
                const msg =
                    "The upstream connection failed: " +
                    ((err as NodeJS.ErrnoException).code ?? (err as Error).message);
                if (this.head)
                    this.finish({
                        kind: "stream-failed",
                        error: errorBody(msg, "server_error", "upstream_stream_failed"),
                        reason: "stream_failed",
                    });
                else this.finish(proxyError(502, msg, "server_error", "upstream_unreachable", "unreachable"));
            }
        } finally {
            clearTimeout(timer);
            release();
            metrics.upstreamDuration.observe({ status: statusLabel }, seconds());
        }
        return this.done;
    }

    /** Forwards an upstream SSE body chunk by chunk while assembling the completion. */
    private pump(
        body: NodeJS.ReadableStream,
        headers: Record<string, string>,
        touch: () => void,
        firstByte: () => void,
    ): Promise<void> {
        this.emitHead(headers);
        const parser = new SseParser();
        const asm = new StreamAssembler();
        let first = true;
        let doneSeen = false;
        return new Promise<void>((resolve, reject) => {
            body.setEncoding("utf8");
            body.on("data", (chunk: string) => {
                try {
                    onData(chunk);
                } catch {
                    // A chunk the assembler cannot digest (e.g. `choices` that is not an array) fails this flight only.
                    this.finish({
                        kind: "stream-failed",
                        error: errorBody(
                            "The upstream sent a chunk that is not a chat.completion.chunk.",
                            "server_error",
                            "upstream_bad_response",
                        ),
                        reason: "bad_chunk",
                    });
                    (body as unknown as { destroy(): void }).destroy();
                }
            });
            const onData = (chunk: string) => {
                if (this.outcome) return;
                touch();
                if (first) {
                    first = false;
                    firstByte();
                }
                for (const data of parser.push(chunk)) {
                    if (data === "[DONE]") {
                        doneSeen = true;
                        continue;
                    }
                    let obj: Completion;
                    try {
                        obj = JSON.parse(data);
                        if (depthOf(obj, MAX_ANSWER_DEPTH) > MAX_ANSWER_DEPTH) throw new Error("too deep");
                    } catch {
                        this.finish({
                            kind: "stream-failed",
                            error: errorBody(
                                "The upstream sent a chunk that is not JSON.",
                                "server_error",
                                "upstream_bad_response",
                            ),
                            reason: "bad_chunk",
                        });
                        (body as unknown as { destroy(): void }).destroy();
                        return;
                    }
                    if (obj && obj.error) {
                        const e = obj.error;
                        const error =
                            typeof e === "object"
                                ? {
                                      error: {
                                          message: String(e.message ?? "upstream error"),
                                          type: String(e.type ?? "server_error"),
                                          param: e.param ?? null,
                                          code: e.code ?? null,
                                      },
                                  }
                                : errorBody(String(e), "server_error");
                        this.finish({ kind: "stream-failed", error, reason: "upstream_error_event" });
                        (body as unknown as { destroy(): void }).destroy();
                        return;
                    }
                    asm.add(obj);
                    const usage = Array.isArray(obj.choices) && obj.choices.length === 0 && !!obj.usage;
                    this.emitEvent(data, usage);
                }
            };
            body.on("end", () => {
                if (!this.outcome) {
                    if (doneSeen && asm.finished()) this.finish({ kind: "ok", completion: asm.result(), headers });
                    else
                        this.finish({
                            kind: "stream-failed",
                            error: errorBody(
                                "The upstream stream ended before the completion finished.",
                                "server_error",
                                "upstream_stream_incomplete",
                            ),
                            reason: "incomplete",
                        });
                }
                resolve();
            });
            body.on("error", reject);
            body.on("close", () => {
                if (!this.outcome) reject(new Error("upstream closed the stream"));
                else resolve();
            });
        });
    }
}
