/**
 * Loopback fake of Alertmanager's v2 alerts API: `POST /api/v2/alerts` validates the postable-alert shape (400
 * otherwise) and stores every posted alert; `GET /api/v2/alerts` returns the latest state per label set.
 *
 * Standalone: `ts-node test/support/fakeAlertmanager.ts --port 9093`.
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { listenLoopback } from "./loopbackServer";
import { cliArg, serveUntilSignal } from "./standalone";

/** An alert as posted. */
export interface PostedAlert {
    labels: Record<string, string>;
    annotations?: Record<string, string>;
    startsAt?: string;
    endsAt?: string;
    generatorURL?: string;
}

export interface FakeAlertmanager {
    readonly url: string;
    readonly port: number;
    /** Every alert ever posted, in order. */
    readonly posted: PostedAlert[];
    /** Number of POST requests. */
    posts(): number;
    /** Makes the next `times` posts fail with `status`. */
    fail(status: number, times?: number): void;
    close(): Promise<void>;
}

const fp = (l: Record<string, string>) =>
    Object.keys(l)
        .sort()
        .map((k) => `${k}=${l[k]}`)
        .join(",");

/** Starts the fake on 127.0.0.1. */
export async function startFakeAlertmanager(opts: { port?: number } = {}): Promise<FakeAlertmanager> {
    const posted: PostedAlert[] = [];
    const latest = new Map<string, PostedAlert>();
    let postCount = 0;
    let failing = { status: 0, times: 0 };
    const send = (res: ServerResponse, status: number, body?: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(body === undefined ? "" : JSON.stringify(body));
    };
    const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
        const path = (req.url ?? "").split("?")[0];
        if (path !== "/api/v2/alerts") return send(res, 404, "not found");
        if (req.method === "GET") {
            const now = Date.now();
            return send(
                res,
                200,
                [...latest.values()].map((a) => ({
                    ...a,
                    fingerprint: fp(a.labels),
                    status: {
                        state: a.endsAt && Date.parse(a.endsAt) <= now ? "unprocessed" : "active",
                        silencedBy: [],
                        inhibitedBy: [],
                    },
                })),
            );
        }
        if (req.method !== "POST") return send(res, 405, "method not allowed");
        postCount++;
        if (failing.times > 0) {
            failing.times--;
            return send(res, failing.status, "injected failure");
        }
        let alerts: unknown;
        try {
            alerts = JSON.parse(body);
        } catch {
            return send(res, 400, "body is not JSON");
        }
        if (!Array.isArray(alerts)) return send(res, 400, "body must be an array of alerts");
        for (const a of alerts as PostedAlert[]) {
            if (!a || typeof a.labels !== "object" || !a.labels.alertname)
                return send(res, 400, "every alert needs labels.alertname");
            for (const v of Object.values(a.labels))
                if (typeof v !== "string") return send(res, 400, "label values must be strings");
        }
        for (const a of alerts as PostedAlert[]) {
            posted.push(a);
            latest.set(fp(a.labels), a);
        }
        return send(res, 200);
    };
    const server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (c) => (body += c));
        req.on("end", () => handle(req, res, body));
    });
    const { url, port, close } = await listenLoopback(server, opts.port);
    return {
        url,
        port,
        posted,
        posts: () => postCount,
        fail: (status, times = 1) => void (failing = { status, times }),
        close,
    };
}

if (require.main === module) {
    void startFakeAlertmanager({ port: Number(cliArg("port") ?? 0) }).then((f) =>
        serveUntilSignal(f, `fake Alertmanager listening on ${f.url}`),
    );
}
