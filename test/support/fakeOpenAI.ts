import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import { listenLoopback } from "./loopbackServer";
import { cliArg, serveUntilSignal } from "./standalone";

/** What the fake upstream does with one chat-completions request. */
export type Behaviour =
    | {
          kind: "ok";
          /** Answer text; defaults to `Answer #<call number>` so a test can tell a cached answer from a fresh one. */
          content?: string;
          finishReason?: "stop" | "length" | "tool_calls" | "content_filter";
          toolCalls?: Array<{ id: string; name: string; arguments: string }>;
          /** Delay before the response head. */
          delayMs?: number;
          /** Delay between streamed chunks. */
          chunkDelayMs?: number;
          /** Streaming: after the first content chunk, wait for this before sending the rest. JSON: wait before answering. */
          gate?: Promise<void>;
          /** Number of content pieces when streaming (default 3). */
          pieces?: number;
          /** Reply with `n` choices. */
          choices?: number;
      }
    | { kind: "error"; status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number }
    /** Sends exactly this body (e.g. malformed or hostile answers) with this status and content type. */
    | { kind: "raw"; status?: number; contentType?: string; body: string; delayMs?: number }
    /** Never answers (until the connection is closed). */
    | { kind: "hang" }
    /** Streaming: send `afterChunks` chunks, then drop the connection (JSON: drop at once). */
    | { kind: "break"; afterChunks: number }
    /** Streaming: send `afterChunks` chunks, then an in-band `data: {"error": ...}` event. */
    | { kind: "stream-error"; afterChunks: number; message?: string };

/** One request as the fake saw it. */
export interface SeenRequest {
    path: string;
    headers: IncomingHttpHeaders;
    body: Record<string, any>;
}

/** Options for `startFakeOpenAI`. */
export interface FakeOpenAIOptions {
    port?: number;
    host?: string;
    /** Delay before every answer. Defaults to 0. */
    delayMs?: number;
    /** Default behaviour; when unset, derived from the model name (`fake-hang`, `fake-error-503`, ...), else ok. */
    behave?: (req: SeenRequest, call: number) => Behaviour | undefined;
}

/** A running fake OpenAI-compatible upstream on loopback. */
export interface FakeOpenAI {
    readonly url: string;
    readonly baseURL: string;
    readonly port: number;
    /** Chat-completion calls received. */
    readonly calls: number;
    readonly inFlight: number;
    readonly maxInFlight: number;
    readonly requests: SeenRequest[];
    /** Replaceable behaviour hook. */
    behave: ((req: SeenRequest, call: number) => Behaviour | undefined) | undefined;
    reset(): void;
    close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function fromModel(model: string): Behaviour {
    if (model === "fake-hang") return { kind: "hang" };
    const m = /^fake-error-(\d{3})$/.exec(model);
    if (m) return { kind: "error", status: Number(m[1]) };
    if (model === "fake-length") return { kind: "ok", finishReason: "length" };
    return { kind: "ok" };
}

/**
 * Starts a loopback server speaking the OpenAI chat-completions wire format (JSON and SSE), with a call counter,
 * configurable delays, errors, hangs and broken streams. Used by the tests and runnable on its own:
 * `ts-node test/support/fakeOpenAI.ts --port 8000 [--delay-ms 50]`.
 */
export async function startFakeOpenAI(opts: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
    let calls = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    const requests: SeenRequest[] = [];
    const state = { behave: opts.behave };

    async function chat(req: IncomingMessage, res: ServerResponse, raw: string): Promise<void> {
        let body: Record<string, any>;
        try {
            body = JSON.parse(raw);
        } catch {
            res.writeHead(400, { "content-type": "application/json" });
            res.end(
                JSON.stringify({
                    error: { message: "invalid JSON", type: "invalid_request_error", param: null, code: null },
                }),
            );
            return;
        }
        const seen: SeenRequest = { path: req.url ?? "", headers: req.headers, body };
        requests.push(seen);
        const call = ++calls;
        const b = state.behave?.(seen, call) ?? fromModel(String(body.model));
        if (opts.delayMs) await sleep(opts.delayMs);
        if (b.kind === "hang") return;
        if (b.kind === "raw") {
            if (b.delayMs) await sleep(b.delayMs);
            res.writeHead(b.status ?? 200, { "content-type": b.contentType ?? "application/json" });
            res.end(b.body);
            return;
        }
        if (b.kind === "error") {
            if (b.delayMs) await sleep(b.delayMs);
            res.writeHead(b.status, { "content-type": "application/json", ...(b.headers ?? {}) });
            res.end(
                JSON.stringify(
                    b.body ?? {
                        error: {
                            message: `fake upstream error ${b.status}`,
                            type: b.status === 429 ? "rate_limit_error" : "server_error",
                            param: null,
                            code: null,
                        },
                    },
                ),
            );
            return;
        }
        const id = `chatcmpl-fake-${call}`;
        const created = 1712252235 + call;
        const model = String(body.model);
        const content = b.kind === "ok" ? (b.content ?? `Answer #${call}`) : `Partial answer #${call}`;
        const toolCalls = b.kind === "ok" ? b.toolCalls : undefined;
        const finish = b.kind === "ok" ? (b.finishReason ?? (toolCalls ? "tool_calls" : "stop")) : "stop";
        const nChoices = b.kind === "ok" ? (b.choices ?? 1) : 1;
        const usage = { prompt_tokens: 9, completion_tokens: 12, total_tokens: 21 };
        if (b.kind === "ok" && b.delayMs) await sleep(b.delayMs);
        if (!body.stream) {
            if (b.kind === "ok" && b.gate) await b.gate;
            if (b.kind === "break") {
                req.socket.destroy();
                return;
            }
            const choices = Array.from({ length: nChoices }, (_, index) => ({
                index,
                message: {
                    role: "assistant",
                    content: toolCalls ? null : content,
                    refusal: null,
                    ...(toolCalls
                        ? {
                              tool_calls: toolCalls.map((t) => ({
                                  id: t.id,
                                  type: "function",
                                  function: { name: t.name, arguments: t.arguments },
                              })),
                          }
                        : {}),
                },
                logprobs: null,
                finish_reason: finish,
            }));
            const out = JSON.stringify({
                id,
                object: "chat.completion",
                created,
                model,
                system_fingerprint: "fp_fake",
                choices,
                usage,
            });
            res.writeHead(200, { "content-type": "application/json", "x-ratelimit-remaining-requests": "99" });
            res.end(out);
            return;
        }
        const includeUsage = body.stream_options?.include_usage === true;
        const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
            `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, system_fingerprint: "fp_fake", choices, ...(includeUsage ? { usage: null } : {}), ...extra })}\n\n`;
        const pieces: string[] = [];
        pieces.push(
            chunk([{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }]),
        );
        if (toolCalls) {
            toolCalls.forEach((t, i) => {
                const half = Math.floor(t.arguments.length / 2);
                pieces.push(
                    chunk([
                        {
                            index: 0,
                            delta: {
                                tool_calls: [
                                    {
                                        index: i,
                                        id: t.id,
                                        type: "function",
                                        function: { name: t.name, arguments: t.arguments.slice(0, half) },
                                    },
                                ],
                            },
                            logprobs: null,
                            finish_reason: null,
                        },
                    ]),
                );
                pieces.push(
                    chunk([
                        {
                            index: 0,
                            delta: { tool_calls: [{ index: i, function: { arguments: t.arguments.slice(half) } }] },
                            logprobs: null,
                            finish_reason: null,
                        },
                    ]),
                );
            });
        } else {
            const n = b.kind === "ok" ? (b.pieces ?? 3) : 3;
            const size = Math.ceil(content.length / n);
            for (let i = 0; i < content.length; i += size)
                pieces.push(
                    chunk([
                        {
                            index: 0,
                            delta: { content: content.slice(i, i + size) },
                            logprobs: null,
                            finish_reason: null,
                        },
                    ]),
                );
        }
        pieces.push(chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: finish }]));
        if (includeUsage) pieces.push(chunk([], { usage }));
        pieces.push("data: [DONE]\n\n");
        res.writeHead(200, {
            "content-type": "text/event-stream",
            "cache-control": "no-cache",
            "x-ratelimit-remaining-requests": "99",
        });
        res.flushHeaders();
        const limit = b.kind === "break" || b.kind === "stream-error" ? b.afterChunks : pieces.length;
        for (let i = 0; i < Math.min(limit, pieces.length); i++) {
            if (res.destroyed) return;
            res.write(pieces[i]);
            if (i === 1 && b.kind === "ok" && b.gate) await b.gate;
            if (b.kind === "ok" && b.chunkDelayMs) await sleep(b.chunkDelayMs);
        }
        if (b.kind === "break") {
            await sleep(5);
            req.socket.destroy();
            return;
        }
        if (b.kind === "stream-error") {
            res.end(
                `data: ${JSON.stringify({ error: { message: b.message ?? "fake upstream failed mid-stream", type: "server_error", param: null, code: null } })}\n\n`,
            );
            return;
        }
        res.end();
    }

    const server = http.createServer((req, res) => {
        const parts: Buffer[] = [];
        req.on("data", (c: Buffer) => parts.push(c));
        req.on("end", () => {
            const path = (req.url ?? "").split("?")[0];
            if (req.method === "POST" && (path === "/v1/chat/completions" || path === "/chat/completions")) {
                inFlight++;
                maxInFlight = Math.max(maxInFlight, inFlight);
                let counted = true;
                const done = () => {
                    if (counted) inFlight--;
                    counted = false;
                };
                res.on("close", done);
                chat(req, res, Buffer.concat(parts).toString("utf8")).catch(() => res.destroy());
                return;
            }
            if (req.method === "GET" && (path === "/v1/models" || path === "/models")) {
                res.writeHead(200, { "content-type": "application/json" });
                res.end(
                    JSON.stringify({
                        object: "list",
                        data: [{ id: "fake-model", object: "model", created: 1712252235, owned_by: "fake" }],
                    }),
                );
                return;
            }
            res.writeHead(404, { "content-type": "application/json" });
            res.end(
                JSON.stringify({
                    error: { message: "not found", type: "invalid_request_error", param: null, code: null },
                }),
            );
        });
    });
    const { url, port, close } = await listenLoopback(server, opts.port, opts.host);
    return {
        url,
        baseURL: `${url}/v1`,
        port,
        get calls() {
            return calls;
        },
        get inFlight() {
            return inFlight;
        },
        get maxInFlight() {
            return maxInFlight;
        },
        requests,
        get behave() {
            return state.behave;
        },
        set behave(fn) {
            state.behave = fn;
        },
        reset() {
            calls = 0;
            maxInFlight = inFlight;
            requests.length = 0;
        },
        close,
    };
}

if (require.main === module) {
    void startFakeOpenAI({
        port: Number(cliArg("port") ?? 8000),
        host: cliArg("host") ?? "127.0.0.1",
        delayMs: Number(cliArg("delay-ms") ?? 0),
    }).then((f) => serveUntilSignal(f, `fake OpenAI upstream listening on ${f.baseURL}`));
}
