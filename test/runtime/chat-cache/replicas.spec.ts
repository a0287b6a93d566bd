import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { Redis } from "ioredis";
import OpenAI from "openai";
import { startFakeOpenAI, type FakeOpenAI } from "../../support/fakeOpenAI";
import { freePort, startRedis, type RedisServer } from "../../support/redisServer";
import { detParams, detStream, until } from "./harness";

const ROOT = join(__dirname, "..", "..", "..");
const MAIN = join(ROOT, "runtime", "chat-cache", "src", "main.ts");
const PREFIX = "replicaspec";

/** One chat-cache process (the real main.ts) on its own port. */
interface Replica {
    child: ChildProcess;
    url: string;
    client: OpenAI;
    exited: Promise<void>;
}

function startReplica(port: number, env: Record<string, string>): Replica {
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", MAIN], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? "", PORT: String(port), HOST: "127.0.0.1", ...env },
        stdio: ["ignore", "pipe", "inherit"],
    });
    // Only the process's own failures are worth showing (warn and above are all it logs here).
    child.stdout?.on("data", (d: Buffer) => {
        if (process.env.REPLICA_LOGS) process.stderr.write(`[replica ${port}] ${d.toString()}`);
    });
    const url = `http://127.0.0.1:${port}`;
    return {
        child,
        url,
        client: new OpenAI({ apiKey: "sk-replica-tenant", baseURL: `${url}/v1`, maxRetries: 0, timeout: 30000 }),
        exited: new Promise((r) => child.once("exit", () => r())),
    };
}

/** One metric's value from a replica's /metrics text (summed over its label sets; 0 when absent). */
async function metric(r: Replica, name: string, labelFilter = ""): Promise<number> {
    const text = await (await fetch(`${r.url}/metrics`)).text();
    let total = 0;
    for (const line of text.split("\n")) {
        if (!line.startsWith(name) || !line.includes(labelFilter)) continue;
        if (line[name.length] !== " " && line[name.length] !== "{") continue;
        total += Number(line.slice(line.lastIndexOf(" ") + 1));
    }
    return total;
}

async function sumMetric(replicas: Replica[], name: string, labelFilter = ""): Promise<number> {
    let total = 0;
    for (const r of replicas) total += await metric(r, name, labelFilter);
    return total;
}

/** Answer text of a non-streaming or streaming request through the official client. */
async function ask(r: Replica, prompt: string, stream: boolean): Promise<string> {
    if (!stream) return (await r.client.chat.completions.create(detParams(prompt))).choices[0].message.content ?? "";
    let text = "";
    for await (const c of await r.client.chat.completions.create(detStream(prompt)))
        text += c.choices[0]?.delta?.content ?? "";
    return text;
}

/** A gate the fake upstream waits on, opened by the test. */
function gate(): { promise: Promise<void>; open: () => void } {
    let open!: () => void;
    const promise = new Promise<void>((r) => (open = r));
    return { promise, open };
}

describe("chat-cache across replicas (3 processes, one redis-server)", function () {
    this.timeout(300000);
    let redisServer: RedisServer;
    let fake: FakeOpenAI;
    let replicas: Replica[] = [];
    let env: Record<string, string> = {};

    before(async () => {
        redisServer = await startRedis();
        fake = await startFakeOpenAI();
        env = {
            UPSTREAM_BASE_URL: fake.baseURL,
            REDIS_URL: redisServer.url,
            CACHE_KEY_PREFIX: PREFIX,
            COALESCE_LEASE_MS: "600",
            UPSTREAM_MAX_QUEUE: "10000",
            // This machine is shared and often loaded: a 100 ms Redis timeout would (correctly) fail open to
            // per-process coalescing, which is tested on its own below with Redis stopped.
            REDIS_COMMAND_TIMEOUT_MS: "3000",
            LOG_LEVEL: "warn",
        };
        replicas = await Promise.all([1, 2, 3].map(async () => startReplica(await freePort(), env)));
        for (const r of replicas)
            await until(
                async () => (await fetch(`${r.url}/readyz`).catch(() => undefined))?.status === 200,
                180000,
                "replica ready",
            );
    });
    after(async () => {
        for (const r of replicas) if (r.child.exitCode === null) r.child.kill("SIGKILL");
        await Promise.all(replicas.map((r) => r.exited));
        await fake.close();
        await redisServer.close();
    });
    beforeEach(() => {
        fake.reset();
        fake.behave = undefined;
    });

    for (const mixed of [false, true]) {
        it(`makes exactly 1 upstream call for 300 concurrent identical cold requests${mixed ? ", stream and non-stream mixed" : ""}`, async () => {
            const g = gate();
            fake.behave = () => ({ kind: "ok", gate: g.promise, content: "one answer for every replica" });
            const prompt = mixed ? "stampede mixed" : "stampede json";
            const answers = Promise.all(
                Array.from({ length: 300 }, (_, i) => ask(replicas[i % 3], prompt, mixed && i % 2 === 1)),
            );
            // Everyone but the lease holder's own request is waiting on the one call before it is let through.
            await until(
                async () => (await sumMetric(replicas, "cache_coalesce_waiters")) === 299,
                60000,
                "299 requests waiting on one call",
            );
            expect(fake.calls).to.equal(1);
            g.open();
            const texts = await answers;
            expect(fake.calls).to.equal(1);
            expect(new Set(texts)).to.deep.equal(new Set(["one answer for every replica"]));
            expect(texts).to.have.length(300);
        });
    }

    it("streams chunks to followers on other replicas while the leader streams", async () => {
        const g = gate();
        fake.behave = () => ({ kind: "ok", gate: g.promise, content: "streamed live across replicas", pieces: 3 });
        const leader = await replicas[0].client.chat.completions.create(detStream("live stream"));
        const lit = leader[Symbol.asyncIterator]();
        await lit.next();
        await until(() => fake.calls === 1, 5000, "leader call");
        const follower = await replicas[1].client.chat.completions.create(detStream("live stream")).withResponse();
        expect(follower.response.headers.get("x-cache-status")).to.equal("COALESCED");
        const fit = follower.data[Symbol.asyncIterator]();
        // The upstream is still held behind the gate: these chunks can only have come live from the leader.
        const role = await fit.next();
        const firstContent = await fit.next();
        expect(role.value.choices[0].delta.role).to.equal("assistant");
        expect(firstContent.value.choices[0].delta.content).to.be.a("string").and.not.equal("");
        g.open();
        let rest = firstContent.value.choices[0].delta.content as string;
        for (let r = await fit.next(); !r.done; r = await fit.next()) rest += r.value.choices[0]?.delta?.content ?? "";
        expect(rest).to.equal("streamed live across replicas");
        for (let r = await lit.next(); !r.done; r = await lit.next()) void r;
        expect(fake.calls).to.equal(1);
    });

    it("releases waiters on other replicas when the answer is not cacheable", async () => {
        const g = gate();
        fake.behave = (_req, call) =>
            call === 1 ? { kind: "ok", gate: g.promise, finishReason: "length", content: "cut off" } : undefined;
        const first = ask(replicas[0], "truncated", false);
        await until(() => fake.calls === 1, 5000, "leader call");
        const second = ask(replicas[1], "truncated", false);
        await until(async () => (await metric(replicas[1], "cache_coalesce_waiters")) === 1, 10000, "waiting");
        g.open();
        expect(await first).to.equal("cut off");
        expect(await second).to.equal("Answer #2");
        expect(fake.calls).to.equal(2);
        expect(await metric(replicas[1], "cache_replica_waits_total", 'outcome="released"')).to.be.at.least(1);
    });

    it("takes over when the leading process dies mid-call: the others still answer, with at most one extra call", async () => {
        fake.behave = (_req, call) => (call === 1 ? { kind: "hang" } : { kind: "ok", delayMs: 50 });
        const results = Array.from({ length: 30 }, (_, i) =>
            ask(replicas[i % 3], "leader dies", false).then(
                (text) => ({ i, text }),
                (err: Error) => ({ i, err }),
            ),
        );
        await until(
            async () => (await sumMetric(replicas, "cache_coalesce_waiters")) === 29,
            30000,
            "29 requests waiting on the leader",
        );
        const admin = new Redis(redisServer.url);
        const holder = await admin.get(
            `${PREFIX}:v1:lease:${(await admin.keys(`${PREFIX}:v1:lease:*`))[0].split(":").pop()}`,
        );
        admin.disconnect();
        const pid = Number(holder!.split("/")[1]);
        const victim = replicas.findIndex((r) => r.child.pid === pid);
        expect(victim, "the lease names one of our processes").to.be.at.least(0);
        replicas[victim].child.kill("SIGKILL");
        await replicas[victim].exited;
        const settled = await Promise.all(results);
        const survivors = settled.filter((r) => r.i % 3 !== victim);
        expect(survivors).to.have.length(20);
        for (const r of survivors) expect(r, `request ${r.i}`).to.have.property("text", "Answer #2");
        expect(fake.calls).to.be.at.most(2);
        const alive = replicas.filter((_, i) => i !== victim);
        expect(await sumMetric(alive, "cache_replica_takeovers_total")).to.equal(1);
        // Keep three replicas for the next test.
        replicas[victim] = startReplica(Number(new URL(replicas[victim].url).port), env);
        await until(
            async () => (await fetch(`${replicas[victim].url}/readyz`).catch(() => undefined))?.status === 200,
            180000,
            "replacement ready",
        );
    });

    it("with Redis stopped, each process still coalesces locally and nothing fails", async () => {
        await redisServer.stop();
        const g = gate();
        fake.behave = () => ({ kind: "ok", gate: g.promise, content: "no redis" });
        const answers = Promise.all(
            Array.from({ length: 30 }, (_, i) => ask(replicas[i % 3], "redis is down", i % 2 === 1)),
        );
        await until(
            async () => (await sumMetric(replicas, "cache_coalesce_waiters")) === 27,
            30000,
            "9 waiting per process",
        );
        expect(fake.calls).to.equal(3);
        g.open();
        const texts = await answers;
        expect(new Set(texts)).to.deep.equal(new Set(["no redis"]));
        expect(fake.calls).to.equal(3);
        expect(await sumMetric(replicas, "cache_replica_leases_total", 'result="unavailable"')).to.be.at.least(3);
        await redisServer.start();
    });
});
