import http, { type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import https from "node:https";

/** Response head and streaming body from the upstream. */
export interface UpstreamResponse {
    status: number;
    headers: IncomingHttpHeaders;
    body: IncomingMessage;
}

/** Request headers copied to the upstream; anything else (cookies, proxy headers) stays here. */
const FORWARDED = ["openai-organization", "openai-project", "openai-beta", "accept-language"];

/** Upstream response headers a client needs to see (retry and rate-limit hints). */
export function passThroughHeaders(h: IncomingHttpHeaders): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(h)) {
        if (v === undefined) continue;
        if (
            k === "retry-after" ||
            k === "retry-after-ms" ||
            k === "x-should-retry" ||
            k === "openai-processing-ms" ||
            k.startsWith("x-ratelimit-")
        ) {
            out[k] = Array.isArray(v) ? v.join(", ") : v;
        }
    }
    return out;
}

/** Minimal keep-alive HTTP client for an OpenAI-compatible base URL such as `http://llm:8000/v1`. */
export class UpstreamClient {
    private readonly base: URL;
    private readonly agent: http.Agent;
    private readonly transport: typeof http | typeof https;

    constructor(
        baseUrl: string,
        private readonly apiKey: string | undefined,
        maxSockets: number,
    ) {
        this.base = new URL(baseUrl.replace(/\/+$/, "") + "/");
        this.transport = this.base.protocol === "https:" ? https : http;
        this.agent = new this.transport.Agent({
            keepAlive: true,
            maxSockets,
            maxFreeSockets: Math.min(maxSockets, 256),
        });
    }

    /**
     * Sends one request. `clientHeaders` supplies `authorization` when no `UPSTREAM_API_KEY` is configured.
     * Rejects on connection errors and when `signal` aborts.
     */
    request(
        method: "GET" | "POST",
        path: string,
        body: string | undefined,
        clientHeaders: IncomingHttpHeaders,
        signal: AbortSignal,
        stream = false,
    ): Promise<UpstreamResponse> {
        const url = new URL(path.replace(/^\//, ""), this.base);
        const headers: Record<string, string> = {
            accept: stream ? "text/event-stream, application/json" : "application/json",
        };
        const auth = this.apiKey ? `Bearer ${this.apiKey}` : clientHeaders.authorization;
        if (auth) headers.authorization = auth;
        for (const h of FORWARDED) {
            const v = clientHeaders[h];
            if (typeof v === "string") headers[h] = v;
        }
        if (body !== undefined) {
            headers["content-type"] = "application/json";
            headers["content-length"] = String(Buffer.byteLength(body));
        }
        return new Promise((resolve, reject) => {
            const req = this.transport.request(url, { method, headers, agent: this.agent, signal }, (res) => {
                resolve({ status: res.statusCode ?? 502, headers: res.headers, body: res });
            });
            req.on("error", reject);
            req.end(body);
        });
    }

    /** Closes pooled sockets. */
    close(): void {
        this.agent.destroy();
    }
}

/** Reads a whole body, up to `limit` bytes (the rest is an error). */
export function readAll(stream: IncomingMessage, limit: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
        const parts: Buffer[] = [];
        let size = 0;
        stream.on("data", (c: Buffer) => {
            size += c.length;
            if (size > limit) {
                stream.destroy(new Error(`upstream body larger than ${limit} bytes`));
                return;
            }
            parts.push(c);
        });
        stream.on("end", () => resolve(Buffer.concat(parts)));
        stream.on("error", reject);
        stream.on("close", () => {
            if (!stream.complete) reject(new Error("upstream closed the connection mid-body"));
        });
    });
}
