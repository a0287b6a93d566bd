/**
 * HTTP surface of the monitor (no listen here): metrics, last report, alerts, heals, approval, liveness.
 * Every JSON body passes through the redaction layer; errors use `{ "error": { "message" } }`.
 */
import type { IncomingMessage, ServerResponse, RequestListener } from "node:http";
import { timingSafeEqual, createHash } from "node:crypto";
import type { Registry } from "prom-client";
import { ApprovalError, type Monitor } from "./monitor";
import type { Redactor } from "./redact";
import type { Logger } from "./logger";
import type { Ledger } from "./ledger";

export interface AppDeps {
    readonly monitor: Monitor;
    readonly registry: Registry;
    readonly redactor: Redactor;
    readonly logger: Logger;
    /** For `/healthz` (database reachable). */
    readonly ledger: Pick<Ledger, "ping">;
    /** Bearer token for approvals; without it the approve endpoint answers 503. */
    readonly adminToken?: string;
}

const PREFIX = "/api/v1/secret-sync";

function sameSecret(a: string, b: string): boolean {
    // Hash first so lengths match and the comparison is constant-time.
    const h = (s: string) => createHash("sha256").update(s).digest();
    return timingSafeEqual(h(a), h(b));
}

/** Creates the request handler. */
export function createApp(deps: AppDeps): RequestListener {
    const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
        const text = deps.redactor.redact(JSON.stringify(body));
        res.writeHead(status, {
            "content-type": "application/json; charset=utf-8",
            "cache-control": "no-store",
            ...headers,
        });
        res.end(text);
    };
    const fail = (res: ServerResponse, status: number, message: string, headers?: Record<string, string>) =>
        send(res, status, { error: { message } }, headers);

    const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
        const url = new URL(req.url ?? "/", "http://localhost");
        const path = url.pathname.replace(/\/+$/, "") || "/";
        const method = req.method ?? "GET";
        const only = (m: string) => {
            if (method !== m && !(m === "GET" && method === "HEAD")) {
                fail(res, 405, `Method ${method} not allowed on ${path}; use ${m}.`, { allow: m });
                return false;
            }
            return true;
        };
        if (path === "/metrics") {
            if (!only("GET")) return;
            const text = deps.redactor.redact(await deps.registry.metrics());
            res.writeHead(200, { "content-type": deps.registry.contentType });
            res.end(text);
            return;
        }
        if (path === "/healthz") {
            if (!only("GET")) return;
            try {
                await deps.ledger.ping();
                send(res, 200, { status: "ok" });
            } catch {
                fail(res, 503, "Database connection is not available.");
            }
            return;
        }
        if (path === `${PREFIX}/health`) {
            if (!only("GET")) return;
            const r = deps.monitor.lastReport();
            if (!r) return fail(res, 503, "No check has finished yet; retry shortly.");
            send(res, 200, r);
            return;
        }
        if (path === `${PREFIX}/alerts`) {
            if (!only("GET")) return;
            send(res, 200, { alerts: deps.monitor.alerts() });
            return;
        }
        if (path === `${PREFIX}/heals`) {
            if (!only("GET")) return;
            const heals = await deps.monitor.heals();
            send(res, 200, {
                pending: heals.filter((h) => h.status === "pending" || h.status === "approved"),
                done: heals.filter((h) => h.status !== "pending" && h.status !== "approved"),
            });
            return;
        }
        const m = /^\/api\/v1\/secret-sync\/heals\/([^/]+)\/approve$/.exec(path);
        if (m) {
            if (!only("POST")) return;
            if (!deps.adminToken) return fail(res, 503, "Approvals over HTTP are disabled; set SYNC_ADMIN_TOKEN_FILE.");
            const auth = req.headers.authorization ?? "";
            const token = /^Bearer\s+(.+)$/i.exec(auth)?.[1];
            if (!token) return fail(res, 401, "Missing bearer token.", { "www-authenticate": "Bearer" });
            if (!sameSecret(token, deps.adminToken)) return fail(res, 403, "Invalid admin token.");
            try {
                const heal = await deps.monitor.approve(decodeURIComponent(m[1]));
                send(res, 200, { heal });
            } catch (e) {
                if (e instanceof ApprovalError) return fail(res, e.statusCode, e.message);
                throw e;
            }
            return;
        }
        fail(res, 404, `No route ${method} ${path}.`);
    };

    return (req, res) => {
        handle(req, res).catch((e) => {
            deps.logger.error(
                { err: deps.redactor.redact(String((e as Error)?.message ?? e)), path: req.url },
                "request failed",
            );
            if (!res.headersSent) fail(res, 500, "Internal Server Error");
            else res.end();
        });
    };
}
