/**
 * Loopback fake of the Pulumi ESC REST API (`/api/esc`) in the wire format `@pulumi/esc-sdk` expects: revisions,
 * open (latest or at a version) and read of an open session with `{properties: {k: {value, secret}}}`. Every
 * `setEnvironment` creates a new immutable revision (the built-in `latest` tag follows it). Note the SDK drops the port from `basePath`; clients must set
 * `client.config.basePath` after construction.
 *
 * Standalone: `ts-node test/support/fakeEsc.ts --port 8082 --token T [--seed env.json]` where the seed is
 * `{ "org/project/env": { "values": {...}, "secrets": ["a.b", ...] } }`.
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { readFileSync } from "node:fs";
import { listenLoopback } from "./loopbackServer";
import { cliArg as arg, serveUntilSignal } from "./standalone";
import { randomUUID } from "node:crypto";

interface Revision {
    number: number;
    created: string;
    properties: Record<string, unknown>;
}

export interface FakeEscOptions {
    port?: number;
    /** Token clients must send as `Authorization: token X`; default "pul-test". */
    token?: string;
    latencyMs?: number;
}

/** One request the fake answered. */
export interface EscCall {
    method: string;
    path: string;
    status: number;
}

export interface FakeEsc {
    readonly url: string;
    readonly port: number;
    readonly calls: EscCall[];
    /** Stores a new revision of `org/project/env`: plain nested values; `secrets` lists dotted paths marked secret. */
    setEnvironment(ref: string, values: Record<string, unknown>, secrets?: string[]): number;
    /** Fails the next `times` requests whose path contains `path`. */
    fail(f: { path: string; status: number; times?: number; body?: unknown }): void;
    close(): Promise<void>;
}

function toProperties(values: Record<string, unknown>, secrets: Set<string>, prefix = ""): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(values)) {
        const path = prefix ? `${prefix}.${k}` : k;
        const secret = secrets.has(path);
        const trace = {
            def: { environment: "fake", begin: { line: 1, column: 1, byte: 0 }, end: { line: 1, column: 1, byte: 0 } },
        };
        if (v && typeof v === "object" && !Array.isArray(v)) {
            out[k] = {
                value: toProperties(v as Record<string, unknown>, secrets, path),
                ...(secret ? { secret: true } : {}),
                trace,
            };
        } else if (Array.isArray(v)) {
            out[k] = { value: v.map((e) => ({ value: e, trace })), ...(secret ? { secret: true } : {}), trace };
        } else {
            out[k] = { value: v, ...(secret ? { secret: true } : {}), trace };
        }
    }
    return out;
}

/** Starts the fake on 127.0.0.1. */
export async function startFakeEsc(opts: FakeEscOptions = {}): Promise<FakeEsc> {
    const token = opts.token ?? "pul-test";
    const envs = new Map<string, Revision[]>();
    const sessions = new Map<string, { ref: string; revision: Revision }>();
    const failures: { path: string; status: number; times: number; body?: unknown }[] = [];
    const calls: EscCall[] = [];

    const send = (res: ServerResponse, status: number, body?: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(body === undefined ? undefined : JSON.stringify(body));
    };

    function route(req: IncomingMessage, res: ServerResponse): void {
        const url = new URL(req.url ?? "/", "http://localhost");
        const method = req.method ?? "GET";
        if (req.headers.authorization !== `token ${token}`)
            return send(res, 401, { code: 401, message: "Unauthorized: No credentials provided or are invalid." });
        const f = failures.find((x) => url.pathname.includes(x.path));
        if (f) {
            if (--f.times <= 0) failures.splice(failures.indexOf(f), 1);
            return send(res, f.status, f.body ?? { code: f.status, message: "Internal Server Error" });
        }
        const m = /^\/api\/esc\/environments\/([^/]+)\/([^/]+)\/([^/]+)(\/.*)?$/.exec(url.pathname);
        if (!m) return send(res, 404, { code: 404, message: "Not Found" });
        const ref = `${m[1]}/${m[2]}/${m[3]}`;
        const revs = envs.get(ref);
        if (!revs) return send(res, 404, { code: 404, message: `Environment '${ref}' not found` });
        const rest = m[4] ?? "";
        const latest = revs[revs.length - 1];
        if (method === "GET" && rest === "/versions") {
            const before = Number(url.searchParams.get("before") ?? Infinity);
            const count = Number(url.searchParams.get("count") ?? 500);
            const list = revs
                .filter((r) => r.number < before)
                .reverse()
                .slice(0, count)
                .map((r) => ({
                    number: r.number,
                    created: r.created,
                    creatorLogin: "fake",
                    creatorName: "Fake",
                    tags: r === latest ? ["latest"] : [],
                }));
            return send(res, 200, list);
        }
        const tm = /^\/versions\/tags\/([^/]+)$/.exec(rest);
        if (method === "GET" && tm) {
            if (tm[1] !== "latest") return send(res, 404, { code: 404, message: `Tag '${tm[1]}' not found` });
            return send(res, 200, {
                name: "latest",
                revision: latest.number,
                created: revs[0].created,
                modified: latest.created,
                editorLogin: "fake",
                editorName: "Fake",
            });
        }
        const open = (r: Revision | undefined) => {
            if (!r) return send(res, 404, { code: 404, message: "Revision not found" });
            const id = randomUUID();
            sessions.set(id, { ref, revision: r });
            return send(res, 200, { id, diagnostics: [] });
        };
        if (method === "POST" && rest === "/open") return open(latest);
        const vm = /^\/versions\/(\d+|latest)\/open$/.exec(rest);
        if (method === "POST" && vm)
            return open(vm[1] === "latest" ? latest : revs.find((r) => r.number === Number(vm[1])));
        const om = /^\/open\/([^/]+)$/.exec(rest);
        if (method === "GET" && om) {
            const s = sessions.get(om[1]);
            if (!s || s.ref !== ref) return send(res, 404, { code: 404, message: "Open session not found" });
            return send(res, 200, { properties: s.revision.properties });
        }
        return send(res, 404, { code: 404, message: "Not Found" });
    }

    const server = http.createServer((req, res) => {
        res.on("finish", () =>
            calls.push({ method: req.method ?? "", path: (req.url ?? "").split("?")[0], status: res.statusCode }),
        );
        req.resume();
        req.on("end", () => {
            if (opts.latencyMs) setTimeout(() => route(req, res), opts.latencyMs);
            else route(req, res);
        });
    });
    const { url, port, close } = await listenLoopback(server, opts.port);
    return {
        url,
        port,
        calls,
        setEnvironment(ref, values, secrets = []) {
            const revs = envs.get(ref) ?? [];
            const rev = {
                number: revs.length + 1,
                created: new Date().toISOString(),
                properties: toProperties(values, new Set(secrets)),
            };
            envs.set(ref, [...revs, rev]);
            return rev.number;
        },
        fail: (f) => void failures.push({ times: 1, ...f }),
        close,
    };
}

if (require.main === module) {
    void (async () => {
        const fake = await startFakeEsc({ port: Number(arg("port") ?? 0), token: arg("token") });
        const seedPath = arg("seed");
        if (seedPath) {
            const seed = JSON.parse(readFileSync(seedPath, "utf8")) as Record<
                string,
                { values: Record<string, unknown>; secrets?: string[] }
            >;
            for (const [ref, e] of Object.entries(seed)) fake.setEnvironment(ref, e.values, e.secrets);
        }
        serveUntilSignal(fake, `fake ESC listening on ${fake.url}`);
    })();
}
