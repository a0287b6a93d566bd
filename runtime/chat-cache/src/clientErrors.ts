import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import { errorBody } from "./errors";

/**
 * Logs client mistakes (bad JSON, refused input, parser errors) at `info`, at most `perWindow` lines per `windowMs`,
 * then one line with how many were left out: a hostile or broken client cannot flood the log. No stack traces: these
 * are the client's errors, not the proxy's.
 */
export class ClientErrorLog {
    private windowStart = 0;
    private logged = 0;
    private suppressed = 0;

    constructor(
        private readonly logger: Logger,
        private readonly perWindow = 20,
        private readonly windowMs = 10000,
        private readonly now: () => number = Date.now,
    ) {}

    /** Records one client error; `fields` must hold no request content (codes, statuses, request ids only). */
    note(fields: Record<string, string | number | null>, msg: string): void {
        const t = this.now();
        if (t - this.windowStart >= this.windowMs) {
            if (this.suppressed > 0)
                this.logger.info({ suppressed: this.suppressed }, "client errors left out of the log (rate limit)");
            this.windowStart = t;
            this.logged = 0;
            this.suppressed = 0;
        }
        if (this.logged >= this.perWindow) {
            this.suppressed++;
            return;
        }
        this.logged++;
        this.logger.info(fields, msg);
    }
}

/** Status and OpenAI-shaped message for an error Node's HTTP parser raised before a request object existed. */
export function parserErrorResponse(code: string | undefined): { status: number; message: string; code: string } {
    switch (code) {
        case "HPE_HEADER_OVERFLOW":
            return {
                status: 431,
                message: "The request headers are too large.",
                code: "request_header_fields_too_large",
            };
        case "ERR_HTTP_REQUEST_TIMEOUT":
        case "ERR_HTTP_HEADERS_TIMEOUT":
            return {
                status: 408,
                message: "The request was not received in time (HEADERS_TIMEOUT_MS / BODY_TIMEOUT_MS).",
                code: "request_timeout",
            };
        case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
            return { status: 413, message: "The chunk extensions are too large.", code: "request_too_large" };
        default:
            return {
                status: 400,
                message: `The HTTP request is malformed (${code ?? "parse error"}).`,
                code: "malformed_request",
            };
    }
}

const REASONS: Record<number, string> = {
    400: "Bad Request",
    408: "Request Timeout",
    413: "Payload Too Large",
    431: "Request Header Fields Too Large",
};

/** Answers a parser-level client error on the raw socket with a JSON body in the OpenAI error shape, then closes. */
export function answerParserError(err: NodeJS.ErrnoException, socket: Duplex): number {
    const { status, message, code } = parserErrorResponse(err.code);
    // Node's own rule: only answer when the socket can take it and no response has started on it.
    const pending = (socket as unknown as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (err.code === "ECONNRESET" || !socket.writable || pending?.headersSent) {
        socket.destroy();
        return status;
    }
    const body = JSON.stringify(errorBody(message, "invalid_request_error", code));
    const reason = REASONS[status] ?? "Bad Request";
    socket.end(
        `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
    return status;
}
