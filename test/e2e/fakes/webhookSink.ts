/**
 * A Slack incoming-webhook stand-in for the e2e: accepts `POST <any path>` with a JSON body (as Alertmanager's
 * slack notifier sends it) answering Slack's `ok`, keeps every request, and lists them at `GET /__received`.
 * Bad JSON gets Slack's own 400 `invalid_payload`.
 *
 *   ts-node test/e2e/fakes/webhookSink.ts --port 8080
 */
import http from "http";

interface Received {
    path: string;
    at: string;
    body: unknown;
}

export function startWebhookSink(port: number, host = "0.0.0.0"): Promise<http.Server> {
    const received: Received[] = [];
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            const path = (req.url ?? "/").split("?")[0];
            if (req.method === "GET" && path === "/__received") {
                res.writeHead(200, { "content-type": "application/json" });
                res.end(JSON.stringify(received));
                return;
            }
            if (req.method !== "POST") {
                res.writeHead(405, { "content-type": "text/plain" });
                res.end("method_not_allowed");
                return;
            }
            let body: unknown;
            try {
                body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
            } catch {
                res.writeHead(400, { "content-type": "text/plain" });
                res.end("invalid_payload");
                return;
            }
            received.push({ path, at: new Date().toISOString(), body });
            res.writeHead(200, { "content-type": "text/plain" });
            res.end("ok");
        });
    });
    return new Promise((resolve) => server.listen(port, host, () => resolve(server)));
}

if (require.main === module) {
    const i = process.argv.indexOf("--port");
    void startWebhookSink(i >= 0 ? Number(process.argv[i + 1]) : 8080).then((s) => {
        process.stdout.write(`webhook sink listening on ${JSON.stringify(s.address())}\n`);
        const stop = () => s.close(() => process.exit(0));
        process.on("SIGTERM", stop);
        process.on("SIGINT", stop);
    });
}
