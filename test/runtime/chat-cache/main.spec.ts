import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { Redis } from "ioredis";
import { startFakeOpenAI, type FakeOpenAI } from "../../support/fakeOpenAI";
import { freePort, startRedis, type RedisServer } from "../../support/redisServer";
import { det, until } from "./harness";

const ROOT = join(__dirname, "..", "..", "..");
const MAIN = join(ROOT, "runtime", "chat-cache", "src", "main.ts");

interface Proc {
    child: ChildProcess;
    out: () => string;
    exited: Promise<number | null>;
}

function run(env: Record<string, string>): Proc {
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", MAIN], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? "", ...env },
        stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout?.on("data", (d) => (out += d.toString()));
    child.stderr?.on("data", (d) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    return { child, out: () => out, exited };
}

describe("chat-cache main (process)", function () {
    this.timeout(30000);
    let redis: RedisServer;
    let fake: FakeOpenAI;

    before(async () => {
        redis = await startRedis();
        fake = await startFakeOpenAI();
    });
    after(async () => {
        await fake.close();
        await redis.close();
    });

    it("exits 2 with a message naming the variable when the config is invalid", async () => {
        const p = run({ REDIS_URL: redis.url });
        expect(await p.exited).to.equal(2);
        expect(p.out()).to.include("UPSTREAM_BASE_URL is required");
    });

    it("on SIGTERM stops accepting, finishes in-flight requests, flushes cache writes and exits 0; logs hold no prompt or key", async () => {
        const port = await freePort();
        const p = run({
            PORT: String(port),
            HOST: "127.0.0.1",
            UPSTREAM_BASE_URL: fake.baseURL,
            REDIS_URL: redis.url,
            CACHE_KEY_PREFIX: "mainspec",
            LOG_LEVEL: "debug",
        });
        let proc: Proc | undefined = p;
        try {
            await until(() => p.out().includes("chat-cache listening"), 20000, "listening");
            await until(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, 5000, "ready");
            fake.behave = () => ({ kind: "ok", delayMs: 400 });
            const inFlight = fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
                method: "POST",
                headers: { "content-type": "application/json", authorization: "Bearer sk-secret-in-logs?" },
                body: JSON.stringify(det("a confidential prompt about mergers")),
            });
            await until(() => fake.inFlight === 1, 5000, "upstream call");
            p.child.kill("SIGTERM");
            const res = await inFlight;
            expect(res.status).to.equal(200);
            expect((await res.json()) as object).to.have.property("choices");
            expect(await p.exited).to.equal(0);
            proc = undefined;
            let refused = false;
            await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => (refused = true));
            expect(refused).to.equal(true);
            const check = new Redis(redis.url);
            try {
                const entries = (await check.keys("mainspec:*")).filter((k) => /^mainspec:v\d+:[0-9a-f]{64}$/.test(k));
                expect(entries).to.have.length(1);
            } finally {
                check.disconnect();
            }
            const logs = p.out();
            expect(logs).to.include("shutdown complete");
            expect(logs).not.to.include("confidential prompt");
            expect(logs).not.to.include("sk-secret-in-logs");
        } finally {
            fake.behave = undefined;
            proc?.child.kill("SIGKILL");
        }
    });
});
