/**
 * chat-cache benchmark (`npm run bench:chat-cache`), loopback only and bounded in time. In one run, side by side:
 * cache-hit throughput and latency of chat-cache against a bare Node http server returning the same bytes, nginx
 * proxy_cache (1 worker and auto) and the LiteLLM proxy with its Redis cache (pinned, installed from PyPI into a
 * virtualenv outside the repository; skipped with a line saying why when that fails); miss overhead against calling
 * the upstream directly; and upstream calls per stampede of identical cold requests, including across 3 chat-cache
 * processes. Hit numbers are the median of alternating rounds, with requests per CPU-second of the server's own
 * processes beside req/s (the machine is shared: CPU cost is the steadier number). Every process is stopped by pid.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { startFakeOpenAI, type FakeOpenAI } from "../../test/support/fakeOpenAI";
import { freePort, startRedis } from "../../test/support/redisServer";
import { ensureLitellm, LITELLM_VERSION, startLitellm } from "./litellm";

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
const MISS_SAMPLES = Number(process.env.BENCH_MISS_SAMPLES ?? 300);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const STAMPEDE = Number(process.env.BENCH_STAMPEDE ?? 300);
const CLK_TCK = 100;
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
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr?.on("data", (d) => (err = (err + d.toString()).slice(-4000)));
    child.on("exit", (code) => {
        if (code && code !== 0 && !stopping) process.stderr.write(`${cmd} ${args.join(" ")} exited ${code}: ${err}\n`);
    });
    children.push(child);
    return child;
}

async function waitFor(url: string, ms = 60000, init?: RequestInit): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
        try {
            const r = await fetch(url, init);
            await r.arrayBuffer();
            if (r.status < 500) return;
        } catch {
            // not up yet
        }
        await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${url} did not come up within ${ms} ms`);
}

async function post(url: string, body = REQUEST): Promise<{ status: number; headers: Headers; text: string }> {
    const r = await fetch(url, { method: "POST", headers: HEADERS, body });
    return { status: r.status, headers: r.headers, text: await r.text() };
}

/** CPU seconds used so far by a process and all its descendants (nginx workers, LiteLLM's uvicorn). */
function cpuSeconds(rootPid: number): number {
    const stats = new Map<number, { ppid: number; ticks: number }>();
    for (const d of readdirSync("/proc")) {
        if (!/^\d+$/.test(d)) continue;
        try {
            const s = readFileSync(`/proc/${d}/stat`, "utf8");
            const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
            stats.set(Number(d), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
        } catch {
            // exited meanwhile
        }
    }
    let ticks = 0;
    const todo = [rootPid];
    while (todo.length > 0) {
        const pid = todo.pop()!;
        ticks += stats.get(pid)?.ticks ?? 0;
        for (const [child, s] of stats) if (s.ppid === pid) todo.push(child);
    }
    return ticks / CLK_TCK;
}

interface Sample {
    rps: number;
    p50: number;
    p99: number;
    perCpu: number;
}

async function load(name: string, url: string, pid: number): Promise<Sample> {
    const opts = { url, method: "POST", headers: HEADERS, body: REQUEST, connections: CONNECTIONS, pipelining: 1 };
    await autocannon({ ...opts, duration: 1 }); // warm-up (JIT, connection pools)
    const cpu0 = cpuSeconds(pid);
    const r = await autocannon({ ...opts, duration: DURATION });
    const cpu = cpuSeconds(pid) - cpu0;
    if (r.non2xx || r.errors || r.timeouts)
        process.stderr.write(`warning: ${name}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts\n`);
    return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, perCpu: r.requests.total / cpu };
}

const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

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

/** Sends `n` identical cold requests at once, spread over `urls`; returns upstream calls and answered requests. */
async function stampede(
    fake: FakeOpenAI,
    urls: string[],
    n: number,
    tag: string,
): Promise<{ calls: number; ok: number }> {
    const before = fake.calls;
    const body = REQUEST.replace("how are keys built?", `how are keys built? (stampede ${tag} ${Math.random()})`);
    const agent = new http.Agent({ keepAlive: true, maxSockets: n });
    const results = await Promise.all(
        Array.from(
            { length: n },
            (_, i) =>
                new Promise<number>((resolve) => {
                    const req = http.request(
                        urls[i % urls.length],
                        { method: "POST", headers: { ...HEADERS, "content-length": Buffer.byteLength(body) }, agent },
                        (res) => {
                            res.resume();
                            res.on("end", () => resolve(res.statusCode ?? 0));
                        },
                    );
                    req.on("error", () => resolve(0));
                    req.end(body);
                }),
        ),
    );
    agent.destroy();
    return { calls: fake.calls - before, ok: results.filter((s) => s === 200).length };
}

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
            proxy_cache_lock_timeout 10s;
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

interface Target {
    name: string;
    url: string;
    pid: number;
}

async function main(): Promise<void> {
    const tmp = mkdtempSync(join(tmpdir(), "chat-cache-bench-"));
    const redis = await startRedis();
    const notes: string[] = [];
    try {
        // The fake upstream runs in this process so stampedes can count its calls; hits never reach it.
        const fake = await startFakeOpenAI({
            behave: (req) =>
                JSON.stringify(req.body.messages).includes("(stampede ")
                    ? { kind: "ok", content: ANSWER, delayMs: 300 }
                    : { kind: "ok", content: ANSWER },
        });

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
        const ccEnv = {
            HOST: "127.0.0.1",
            UPSTREAM_BASE_URL: fake.baseURL,
            REDIS_URL: redis.url,
            LOG_LEVEL: "warn",
            UPSTREAM_MAX_QUEUE: "100000",
            CACHE_KEY_PREFIX: "bench",
        };
        const ccPorts = [await freePort(), await freePort(), await freePort()];
        const cc = ccPorts.map((port) => startProcess([join(dist, "main.js")], { ...ccEnv, PORT: String(port) }));
        for (const port of ccPorts) await waitFor(`http://127.0.0.1:${port}/healthz`);
        const ccUrls = ccPorts.map((p) => `http://127.0.0.1:${p}/v1/chat/completions`);
        await post(ccUrls[0]);
        const warm = await post(ccUrls[0]);
        if (warm.headers.get("x-cache-status") !== "HIT")
            throw new Error(
                `chat-cache did not answer the warm request from cache (${warm.headers.get("x-cache-status")})`,
            );
        const bytes = warm.text;

        // Bare Node server returning exactly the bytes chat-cache returns on a hit: the ceiling for one Node process.
        const barePort = await freePort();
        writeFileSync(join(tmp, "body.json"), bytes);
        const bare = startProcess([
            "-e",
            `const b=require("fs").readFileSync(${JSON.stringify(join(tmp, "body.json"))});require("http").createServer((q,s)=>{q.resume();q.on("end",()=>{s.writeHead(200,{"content-type":"application/json","content-length":b.length});s.end(b)})}).listen(${barePort},"127.0.0.1")`,
        ]);
        await waitFor(`http://127.0.0.1:${barePort}/`);

        const targets: Target[] = [
            {
                name: "bare Node http (same bytes)",
                url: `http://127.0.0.1:${barePort}/v1/chat/completions`,
                pid: bare.pid!,
            },
            { name: "chat-cache hit", url: ccUrls[0], pid: cc[0].pid! },
        ];
        const nginxUrls: Record<string, string> = {};
        for (const workers of [1, "auto"] as const) {
            const prefix = join(tmp, `nginx-${workers}`);
            for (const d of ["", "body", "proxy", "fastcgi", "uwsgi", "scgi", "cache"])
                mkdirSync(join(prefix, d), { recursive: true });
            const port = await freePort();
            writeFileSync(join(prefix, "nginx.conf"), nginxConf(prefix, port, fake.port, workers));
            const ngx = startProcess(
                ["-p", prefix, "-c", join(prefix, "nginx.conf"), "-e", join(prefix, "error.log")],
                {},
                "/usr/sbin/nginx",
            );
            const url = `http://127.0.0.1:${port}/v1/chat/completions`;
            await waitFor(url, 10000, { method: "POST", headers: HEADERS, body: REQUEST });
            const hit = await post(url);
            if (hit.headers.get("x-cache-status") !== "HIT")
                process.stderr.write(
                    `warning: nginx did not report a cache HIT (${hit.headers.get("x-cache-status")})\n`,
                );
            nginxUrls[String(workers)] = url;
            targets.push({
                name: `nginx proxy_cache (${workers === 1 ? "1 worker" : "auto workers"})`,
                url,
                pid: ngx.pid!,
            });
        }

        let litellmUrl: string | undefined;
        const lite = process.env.BENCH_SKIP_LITELLM ? { skip: "BENCH_SKIP_LITELLM is set" } : ensureLitellm();
        if ("bin" in lite) {
            const port = await freePort();
            const proc = startLitellm(lite.bin, tmp, port, fake.baseURL, redis.port);
            children.push(proc);
            litellmUrl = `http://127.0.0.1:${port}/v1/chat/completions`;
            try {
                await waitFor(`http://127.0.0.1:${port}/health/liveliness`, 180000);
                await post(litellmUrl);
                await new Promise((r) => setTimeout(r, 500)); // LiteLLM writes its cache entry after answering
                const h = await post(litellmUrl);
                if (h.status !== 200) throw new Error(`LiteLLM answered ${h.status}: ${h.text.slice(0, 200)}`);
                targets.push({
                    name: `LiteLLM ${LITELLM_VERSION} proxy + Redis cache (1 worker)`,
                    url: litellmUrl,
                    pid: proc.pid!,
                });
            } catch (err) {
                notes.push(`LiteLLM row skipped: ${(err as Error).message}`);
                litellmUrl = undefined;
            }
        } else notes.push(`LiteLLM row skipped: ${lite.skip}`);

        // Alternating rounds: every target once per round, so a burst of outside load hits all of them alike.
        const samples = new Map<string, Sample[]>(targets.map((t) => [t.name, []]));
        for (let round = 0; round < ROUNDS; round++)
            for (const t of targets) samples.get(t.name)!.push(await load(t.name, t.url, t.pid));
        const med = targets.map((t) => {
            const s = samples.get(t.name)!;
            return {
                name: t.name,
                rps: median(s.map((x) => x.rps)),
                p50: median(s.map((x) => x.p50)),
                p99: median(s.map((x) => x.p99)),
                perCpu: median(s.map((x) => x.perCpu)),
            };
        });

        const direct = await missLatencies(fake.url + "/v1/chat/completions", "direct");
        const viaProxy = await missLatencies(ccUrls[0], "proxy");
        const viaLitellm = litellmUrl ? await missLatencies(litellmUrl, "litellm") : undefined;

        const stampedes: Array<[string, { calls: number; ok: number }, number]> = [];
        stampedes.push(["chat-cache, 1 process", await stampede(fake, [ccUrls[0]], STAMPEDE, "one"), STAMPEDE]);
        stampedes.push([
            "chat-cache, 3 processes on one Redis",
            await stampede(fake, ccUrls, STAMPEDE, "three"),
            STAMPEDE,
        ]);
        stampedes.push([
            "nginx proxy_cache_lock (1 worker)",
            await stampede(fake, [nginxUrls["1"]], STAMPEDE, "nginx"),
            STAMPEDE,
        ]);
        if (litellmUrl)
            stampedes.push([
                `LiteLLM ${LITELLM_VERSION}`,
                await stampede(fake, [litellmUrl], STAMPEDE, "litellm"),
                STAMPEDE,
            ]);

        const b = med[0];
        const c = med[1];
        const n1 = med.find((m) => m.name.includes("1 worker"))!;
        const rows = med.map((m) => [
            m.name,
            m.rps.toFixed(0),
            m.p50.toFixed(2),
            m.p99.toFixed(2),
            (m.rps / b.rps).toFixed(2),
            m.perCpu.toFixed(0),
            (m.perCpu / b.perCpu).toFixed(2),
        ]);
        const head = [
            "target (hits)",
            "req/s",
            "p50 ms",
            "p99 ms",
            "x bare (req/s)",
            "req per CPU-s",
            "x bare (per CPU-s)",
        ];
        const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
        const line = (cells: string[]) =>
            "| " + cells.map((x, i) => (i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join(" | ") + " |";
        const out: string[] = [];
        out.push(
            `chat-cache benchmark: ${CONNECTIONS} connections, ${DURATION} s per target after a 1 s warm-up, median of ${ROUNDS} alternating rounds, ${Buffer.byteLength(bytes)}-byte completion, ${Buffer.byteLength(REQUEST)}-byte request, loopback, ${cpus().length} CPUs, Node ${process.version}, load average at start of output ${loadavg()
                .map((l) => l.toFixed(2))
                .join(" ")}`,
        );
        out.push("");
        out.push(line(head));
        out.push("|" + widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : "-".repeat(w + 1) + ":")).join("|") + "|");
        for (const r of rows) out.push(line(r));
        out.push("");
        const dp50 = pct(direct, 50);
        out.push(`misses (${MISS_SAMPLES} sequential unique requests, the fake upstream answers at once):`);
        out.push(`  direct to upstream   p50 ${dp50.toFixed(2)} ms  p99 ${pct(direct, 99).toFixed(2)} ms`);
        for (const [name, lat] of [
            ["chat-cache", viaProxy],
            [`LiteLLM ${LITELLM_VERSION}`, viaLitellm],
        ] as const) {
            if (!lat) continue;
            out.push(
                `  through ${name.padEnd(13)} p50 ${pct(lat, 50).toFixed(2)} ms  p99 ${pct(lat, 99).toFixed(2)} ms  overhead p50 ${(pct(lat, 50) - dp50).toFixed(2)} ms`,
            );
        }
        out.push("");
        out.push(`stampedes (${STAMPEDE} identical cold requests at once, the upstream answers after 300 ms):`);
        for (const [name, r] of stampedes)
            out.push(`  ${name.padEnd(38)} ${r.calls} upstream call(s), ${r.ok}/${STAMPEDE} answered 200`);
        for (const n of notes) out.push(n);
        out.push(
            `load average at the end: ${loadavg()
                .map((l) => l.toFixed(2))
                .join(" ")}`,
        );
        out.push("");
        const overhead = pct(viaProxy, 50) - dp50;
        const cross = stampedes[1][1].calls;
        out.push(
            `targets: hits >= 0.85x bare Node -> ${(c.rps / b.rps).toFixed(2)}x req/s, ${(c.perCpu / b.perCpu).toFixed(2)}x per CPU-s ${c.rps / b.rps >= 0.85 ? "OK" : "MISSED"}; ` +
                `>= 1.0x nginx 1 worker -> ${(c.rps / n1.rps).toFixed(2)}x req/s, ${(c.perCpu / n1.perCpu).toFixed(2)}x per CPU-s ${c.rps >= n1.rps ? "OK" : "MISSED"}; ` +
                `hit p99 <= bare p99 + 1 ms -> ${c.p99.toFixed(2)} vs ${b.p99.toFixed(2)} ms ${c.p99 <= b.p99 + 1 ? "OK" : "MISSED"}; ` +
                `miss overhead p50 <= 1 ms -> ${overhead.toFixed(2)} ms ${overhead <= 1 ? "OK" : "MISSED"}; ` +
                `1 upstream call per cross-replica stampede -> ${cross} ${cross === 1 ? "OK" : "MISSED"}`,
        );
        process.stdout.write(out.join("\n") + "\n");
        await fake.close();
    } finally {
        stopAll();
        await new Promise((r) => setTimeout(r, 500));
        await redis.close();
        rmSync(tmp, { recursive: true, force: true });
        rmSync(join(ROOT, ".tmp", "chat-cache-bench-dist"), { recursive: true, force: true });
    }
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
