import { expect } from "chai";
import { det, jsonOf, metricValue, sleep, until, useHarness } from "./harness";

describe("chat-cache Redis failures (fail open)", function () {
    this.timeout(30000);
    const h = useHarness({ mode: "manual" });

    beforeEach(async () => {
        if (!h.redisServer.running) await h.redisServer.start();
        // No local tier: every lookup goes to Redis, so its failure is really exercised.
        await h.start({ LRU_MAX_ENTRIES: "0", REDIS_BREAKER_COOLDOWN_MS: "500" });
        h.fake.behave = () => ({ kind: "ok", delayMs: 5 });
        await until(() => h.redis.status === "ready", 3000, "redis ready");
    });

    it("loses no client request when Redis is killed under load, and hits resume after it returns", async () => {
        for (let i = 0; i < 5; i++) await (await h.post(det(`warm ${i}`))).text();
        await h.app.store.flush();
        const failures: string[] = [];
        const statuses: Record<string, number> = {};
        let stop = false;
        let sent = 0;
        const worker = async (w: number) => {
            for (let i = 0; !stop; i++) {
                const body = i % 3 === 0 ? det(`miss ${w}-${i}`) : det(`warm ${i % 5}`);
                try {
                    const res = await h.post(body);
                    const json = await jsonOf(res);
                    sent++;
                    const s = res.headers.get("x-cache-status") ?? "none";
                    statuses[s] = (statuses[s] ?? 0) + 1;
                    if (res.status !== 200 || !json.choices)
                        failures.push(`${res.status} ${JSON.stringify(json).slice(0, 200)}`);
                } catch (err) {
                    failures.push(String(err));
                }
            }
        };
        const load = Promise.all(Array.from({ length: 10 }, (_, w) => worker(w)));
        await sleep(300);
        await h.redisServer.stop("SIGKILL");
        const sentAtKill = sent;
        await sleep(800);
        const openDuringOutage = await metricValue(h.registry, "redis_circuit_open");
        await sleep(400);
        const servedDuringOutage = sent - sentAtKill;
        stop = true;
        await load;
        expect(failures).to.deep.equal([]);
        expect(sent).to.be.greaterThan(50);
        expect(servedDuringOutage).to.be.greaterThan(20);
        expect(statuses.HIT ?? 0).to.be.greaterThan(0);
        expect(openDuringOutage).to.equal(1);
        expect(await metricValue(h.registry, "redis_errors_total")).to.be.greaterThan(0);

        await h.redisServer.start();
        // Entries were lost with the process (persistence is off); write one and expect it back as a hit within seconds.
        await until(
            async () => {
                const a = await h.post(det("after recovery"));
                await a.text();
                await h.app.store.flush();
                const b = await h.post(det("after recovery"));
                await b.text();
                return b.headers.get("x-cache-status") === "HIT";
            },
            8000,
            "hits to resume",
        );
        expect(await metricValue(h.registry, "redis_circuit_open")).to.equal(0);
    });

    it("still coalesces identical misses while Redis is down", async () => {
        await h.redisServer.stop("SIGKILL");
        h.fake.behave = () => ({ kind: "ok", delayMs: 150 });
        const all = await Promise.all(Array.from({ length: 10 }, () => h.post(det("down but shared"))));
        expect(all.map((r) => r.status)).to.deep.equal(Array(10).fill(200));
        expect(h.fake.calls).to.equal(1);
        const ready = await jsonOf(await fetch(`${h.url}/readyz`));
        expect(ready.redis.status).not.to.equal("ready");
        const metrics = await (await fetch(`${h.url}/metrics`)).text();
        expect(metrics).to.match(/^redis_up 0$/m);
    });
});
