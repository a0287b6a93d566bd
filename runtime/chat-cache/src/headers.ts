import type { IncomingMessage } from "node:http";

/** A request header read from `rawHeaders`, without building the lazy `req.headers` object (the hit path avoids it). */
export function rawHeader(req: IncomingMessage, name: string): string | undefined {
    const h = req.rawHeaders;
    for (let i = 0; i < h.length; i += 2) {
        if (h[i].length === name.length && h[i].toLowerCase() === name) return h[i + 1];
    }
    return undefined;
}

/** A request header from `req.headers` (first value when repeated). */
export function header(req: IncomingMessage, name: string): string | undefined {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
}
