/** The HTTP side: liveness and Prometheus metrics. Anything else is a 404 with a JSON error body. */
import * as http from "node:http";
import { Registry } from "prom-client";
import { OVERLAY_PROBE_PATHS as PATHS } from "./contract";
import { Logger } from "./logger";

/** What the HTTP server needs. */
export interface AppDeps {
    readonly registry: Registry;
    /** True while the probe server listens and the loop has completed a round. */
    readonly healthy: () => boolean;
    readonly logger: Logger;
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
}

/** Builds the HTTP server (not listening). */
export function createApp(deps: AppDeps): http.Server {
    return http.createServer((req, res) => {
        const path = (req.url ?? "/").split("?")[0];
        if (req.method !== "GET" && req.method !== "HEAD") {
            return json(res, 405, { error: { message: "Only GET is supported." } });
        }
        if (path === PATHS.health) {
            return deps.healthy()
                ? json(res, 200, { status: "ok" })
                : json(res, 503, { status: "starting", error: { message: "No probe round has completed yet." } });
        }
        if (path === PATHS.metrics) {
            deps.registry.metrics().then(
                (text) => {
                    res.writeHead(200, { "content-type": deps.registry.contentType });
                    res.end(text);
                },
                (e: unknown) => {
                    deps.logger.error({ err: (e as Error)?.message }, "metrics failed");
                    json(res, 500, { error: { message: "Internal Server Error" } });
                },
            );
            return;
        }
        json(res, 404, { error: { message: `Not found; try ${PATHS.metrics} or ${PATHS.health}.` } });
    });
}
