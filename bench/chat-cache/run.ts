/**
 * chat-cache benchmark (`npm run bench:chat-cache`): cache-hit throughput and latency of chat-cache versus nginx
 * proxy_cache (keyed on the POST body) and a bare Node http server returning the same bytes, plus the miss overhead
 * versus calling the upstream directly. Loopback only, bounded in time; every process started here is stopped by pid.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, startRedis } from "../../test/support/redisServer";

// autocannon ships no type declarations; this is the part of its API used here.
interface AcResult {
    requests: { average: number; total: number };
    latency: { p50: number; p99: number; average: number };
    non2xx: number;
    errors: number;
    timeouts: number;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require("autocannon") as (opts: Record<string, unknown>) => Promise<AcResult>;

const ROOT = join(__dirname, "..", "..");
const DURATION = Number(process.env.BENCH_DURATION_S ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const MISS_SAMPLES = Number(process.env.BENCH_MISS_SAMPLES ?? 400);
// Bare Node and chat-cache are measured in alternating rounds and the best round of each is kept, so a burst of
// load from other processes on a shared machine does not decide the ratio.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const children: ChildProcess[] = [];

// A realistic answer: ~1 KB completion body once wrapped in the chat.completion envelope.
const ANSWER =
    "Redis keeps the whole dataset in memory and serves most commands in well under a millisecond, which is why it is " +
    "the usual choice for a response cache in front of a language model. For this deployment the cache key is a SHA-256 " +
    "over the tenant, the model and every output-affecting request field, so two tenants never share an entry and no prompt " +
    "text reaches Redis. Deterministic requests (temperature 0 or a seed) are cached by default; others only when the client " +
    "opts in. Entries expire by context class: infrastructure answers after one minute, business intelligence after ten or two " +
    "minutes, deep research after fifteen. When Redis is unavailable the proxy fails open and keeps answering from the model.";

const REQUEST = JSON.stringify({
    model: "gpt-4o-mini",
    temperature: 0,
    messages: [
        { role: "system", content: "You are a concise infrastructure assistant." },
        { role: "user", content: "Why use Redis as the response cache for the chat service, and how are keys built?" },
    ],
});
const HEADERS = { "content-type": "application/json", authorization: "Bearer sk-bench-tenant" };

function startProcess(args: string[], env: Record<string, string> = {}, cmd = process.execPath): ChildProcess {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    child.stderr?.on("data", (d) => (err += d.toString()));
    child.on("exit", (code) => {
        if (code && code !== 0 && !stopping) process.stderr.write(`${args.join(" ")} exited ${code}: ${err}\n`);
    });
    children.push(child);
    return child;
}

async function waitFor(url: string, ms = 30000): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
        try {
            const r = await fetch(url);
            await r.arrayBuffer();
            return;
        } catch {
            await new Promise((r) => setTimeout(r, 100));
        }
    }
    throw new Error(`${url} did not come up within ${ms} ms`);
}

async function post(url: string, body = REQUEST): Promise<{ status: number; headers: Headers; text: string }> {
    const r = await fetch(url, { method: "POST", headers: HEADERS, body });
    return { status: r.status, headers: r.headers, text: await r.text() };
}

async function load(name: string, url: string): Promise<AcResult> {
    const opts = { url, method: "POST", headers: HEADERS, body: REQUEST, connections: CONNECTIONS, pipelining: 1 };
    await autocannon({ ...opts, duration: 1 }); // warm-up (JIT, connection pools)
    const r = await autocannon({ ...opts, duration: DURATION });
    if (r.non2xx || r.errors || r.timeouts)
        process.stderr.write(`warning: ${name}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts\n`);
    return r;
}

/** Sequential latency of unique (always-miss) requests, in ms. */
async function missLatencies(url: string, tag: string): Promise<number[]> {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const out: number[] = [];
    for (let i = 0; i < MISS_SAMPLES + 20; i++) {
        const body = REQUEST.replace("how are keys built?", `how are keys built? (${tag} ${i} ${Math.random()})`);
        const t0 = process.hrtime.bigint();
        await new Promise<void>((resolve, reject) => {
            const req = http.request(
                url,
                { method: "POST", headers: { ...HEADERS, "content-length": Buffer.byteLength(body) }, agent },
                (res) => {
                    res.resume();
                    res.on("end", () => resolve());
                },
            );
            req.on("error", reject);
            req.end(body);
        });
        if (i >= 20) out.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    agent.destroy();
    return out.sort((a, b) => a - b);
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

function nginxConf(prefix: string, port: number, upstreamPort: number, workers: number | "auto"): string {
    return `user root;
worker_processes ${workers};
daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path ${prefix}/body;
    proxy_temp_path ${prefix}/proxy;
    fastcgi_temp_path ${prefix}/fastcgi;
    uwsgi_temp_path ${prefix}/uwsgi;
    scgi_temp_path ${prefix}/scgi;
    proxy_cache_path ${prefix}/cache levels=1:2 keys_zone=chat:10m max_size=100m inactive=10m use_temp_path=off;
    upstream llm { server 127.0.0.1:${upstreamPort}; keepalive 64; }
    server {
        listen 127.0.0.1:${port};
        keepalive_requests 1000000;
        # The body must sit in memory for $request_body to be usable in the cache key.
        client_body_buffer_size 64k;
        location /v1/chat/completions {
            proxy_pass http://llm;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_cache chat;
            proxy_cache_methods POST;
            proxy_cache_key "$request_uri|$http_authorization|$request_body";
            proxy_cache_valid 200 5m;
            proxy_cache_lock on;
            proxy_ignore_headers Cache-Control Expires Set-Cookie;
            add_header X-Cache-Status $upstream_cache_status;
        }
    }
}
`;
}

let stopping = false;
function stopAll(): void {
    stopping = true;
    for (const c of children) if (c.exitCode === null && c.pid) c.kill("SIGTERM");
}

async function main(): Promise<void> {
    const tmp = mkdtempSync(join(tmpdir(), "chat-cache-bench-"));
    const redis = await startRedis();
    try {
        // Fake upstream in its own process, so its work does not share the benchmark's event loop.
        const upPort = await freePort();
        startProcess([
            "-r",
            "ts-node/register/transpile-only",
            "-e",
            `require("./test/support/fakeOpenAI").startFakeOpenAI({ port: ${upPort}, behave: () => ({ kind: "ok", content: ${JSON.stringify(ANSWER)} }) })`,
        ]);
        await waitFor(`http://127.0.0.1:${upPort}/v1/models`);

        // Benchmark what the container runs: the tsc build (ts-node adds its own overhead, e.g. it loads `domain`).
        const dist = join(ROOT, ".tmp", "chat-cache-bench-dist");
        await new Promise<void>((resolve, reject) => {
            const tsc = spawn(
                process.execPath,
                [require.resolve("typescript/bin/tsc"), "-p", "runtime/chat-cache/tsconfig.json", "--outDir", dist],
                { cwd: ROOT, stdio: "inherit" },
            );
            tsc.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`tsc exited ${code}`))));
        });
        const ccPort = await freePort();
        startProcess([join(dist, "main.js")], {
            PORT: String(ccPort),
            HOST: "127.0.0.1",
            UPSTREAM_BASE_URL: `http://127.0.0.1:${upPort}/v1`,
            REDIS_URL: redis.url,
            LOG_LEVEL: "warn",
            UPSTREAM_MAX_QUEUE: "100000",
        });
        await waitFor(`http://127.0.0.1:${ccPort}/healthz`);
        const ccUrl = `http://127.0.0.1:${ccPort}/v1/chat/completions`;
        await post(ccUrl);
        const warm = await post(ccUrl);
        if (warm.headers.get("x-cache-status") !== "HIT")
            throw new Error(
                `chat-cache did not answer the warm request from cache (${warm.headers.get("x-cache-status")})`,
            );
        const bytes = warm.text;

        // Bare Node server returning exactly the bytes chat-cache returns on a hit: the ceiling for one Node process.
        const barePort = await freePort();
        writeFileSync(join(tmp, "body.json"), bytes);
        startProcess([
            "-e",
            `const b=require("fs").readFileSync(${JSON.stringify(join(tmp, "body.json"))});require("http").createServer((q,s)=>{q.resume();q.on("end",()=>{s.writeHead(200,{"content-type":"application/json","content-length":b.length});s.end(b)})}).listen(${barePort},"127.0.0.1")`,
        ]);
        await waitFor(`http://127.0.0.1:${barePort}/`);

        const results: Array<{ name: string; r: AcResult }> = [];
        let bestBare: AcResult | undefined;
        let bestCc: AcResult | undefined;
        for (let round = 0; round < ROUNDS; round++) {
            const b = await load("bare", `http://127.0.0.1:${barePort}/v1/chat/completions`);
            if (!bestBare || b.requests.average > bestBare.requests.average) bestBare = b;
            const c = await load("chat-cache", ccUrl);
            if (!bestCc || c.requests.average > bestCc.requests.average) bestCc = c;
        }
        results.push({ name: "bare Node http (same bytes)", r: bestBare! });
        results.push({ name: "chat-cache hit", r: bestCc! });

        for (const workers of [1, "auto"] as const) {
            const prefix = join(tmp, `nginx-${workers}`);
            for (const d of ["", "body", "proxy", "fastcgi", "uwsgi", "scgi", "cache"]) mkdirp(join(prefix, d));
            const port = await freePort();
            writeFileSync(join(prefix, "nginx.conf"), nginxConf(prefix, port, upPort, workers));
            const ngx = startProcess(
                ["-p", prefix, "-c", join(prefix, "nginx.conf"), "-e", join(prefix, "error.log")],
                {},
                "/usr/sbin/nginx",
            );
            const url = `http://127.0.0.1:${port}/v1/chat/completions`;
            await waitForPost(url);
            await post(url);
            const hit = await post(url);
            if (hit.headers.get("x-cache-status") !== "HIT")
                process.stderr.write(
                    `warning: nginx did not report a cache HIT (${hit.headers.get("x-cache-status")})\n`,
                );
            results.push({
                name: `nginx proxy_cache (${workers === 1 ? "1 worker" : "auto workers"})`,
                r: await load(`nginx-${workers}`, url),
            });
            ngx.kill("SIGQUIT");
            await new Promise((r) => ngx.once("exit", r));
        }

        const direct = await missLatencies(`http://127.0.0.1:${upPort}/v1/chat/completions`, "direct");
        const viaProxy = await missLatencies(ccUrl, "proxy");

        const bare = results[0].r.requests.average;
        const cc = results[1].r.requests.average;
        const rows = results.map(({ name, r }) => [
            name,
            r.requests.average.toFixed(0),
            r.latency.p50.toFixed(2),
            r.latency.p99.toFixed(2),
            (r.requests.average / bare).toFixed(2),
            (cc / r.requests.average).toFixed(2),
        ]);
        const head = ["target", "req/s", "p50 ms", "p99 ms", "x bare Node", "chat-cache / this"];
        const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
        const line = (cells: string[]) =>
            "| " + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(" | ") + " |";
        const out: string[] = [];
        out.push(
            `chat-cache benchmark: ${CONNECTIONS} connections, ${DURATION} s per target after a 1 s warm-up (best of ${ROUNDS} alternating rounds for bare Node and chat-cache), ${Buffer.byteLength(bytes)}-byte completion, ${Buffer.byteLength(REQUEST)}-byte request, loopback, ${cpus().length} CPUs, Node ${process.version}`,
        );
        out.push("");
        out.push(line(head));
        out.push("|" + widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : "-".repeat(w + 1) + ":")).join("|") + "|");
        for (const r of rows) out.push(line(r));
        out.push("");
        const dp50 = pct(direct, 50);
        const pp50 = pct(viaProxy, 50);
        out.push(`miss path (${MISS_SAMPLES} sequential unique requests, fake upstream answers at once):`);
        out.push(`  direct to upstream   p50 ${dp50.toFixed(2)} ms  p99 ${pct(direct, 99).toFixed(2)} ms`);
        out.push(`  through chat-cache   p50 ${pp50.toFixed(2)} ms  p99 ${pct(viaProxy, 99).toFixed(2)} ms`);
        out.push(
            `  miss overhead        p50 ${(pp50 - dp50).toFixed(2)} ms  p99 ${(pct(viaProxy, 99) - pct(direct, 99)).toFixed(2)} ms`,
        );
        out.push(
            `load average at the end: ${loadavg()
                .map((l: number) => l.toFixed(2))
                .join(" ")} (other processes on the machine skew latency tails)`,
        );
        out.push("");
        const hitR = results[1].r;
        out.push(
            `targets: hit throughput >= 0.70x bare Node -> ${(cc / bare).toFixed(2)}x ${cc / bare >= 0.7 ? "OK" : "MISSED"}; hit p99 <= 5 ms -> ${hitR.latency.p99.toFixed(2)} ms ${hitR.latency.p99 <= 5 ? "OK" : "MISSED"} (bare Node p99 ${results[0].r.latency.p99.toFixed(2)} ms in the same run); miss overhead p50 <= 2 ms -> ${(pp50 - dp50).toFixed(2)} ms ${pp50 - dp50 <= 2 ? "OK" : "MISSED"}`,
        );
        process.stdout.write(out.join("\n") + "\n");
    } finally {
        stopAll();
        await new Promise((r) => setTimeout(r, 300));
        await redis.close();
        rmSync(tmp, { recursive: true, force: true });
        rmSync(join(ROOT, ".tmp", "chat-cache-bench-dist"), { recursive: true, force: true });
    }
}

function mkdirp(p: string): void {
    mkdirSync(p, { recursive: true });
}

async function waitForPost(url: string, ms = 10000): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
        try {
            await post(url);
            return;
        } catch {
            await new Promise((r) => setTimeout(r, 100));
        }
    }
    throw new Error(`${url} did not come up within ${ms} ms`);
}

process.on("SIGINT", () => {
    stopAll();
    process.exit(130);
});
main().then(
    () => process.exit(0),
    (err) => {
        process.stderr.write(`benchmark failed: ${(err as Error).stack}\n`);
        stopAll();
        process.exit(1);
    },
);
