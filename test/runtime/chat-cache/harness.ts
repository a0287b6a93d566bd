import type { AddressInfo } from "node:net";
import type { Redis } from "ioredis";
import OpenAI from "openai";
import type {
    ChatCompletionCreateParamsNonStreaming,
    ChatCompletionCreateParamsStreaming,
} from "openai/resources/chat/completions";
import pino, { type Logger } from "pino";
import { Registry } from "prom-client";
import { createApp, type App } from "../../../runtime/chat-cache/src/app";
import { loadConfig, type Config } from "../../../runtime/chat-cache/src/config";
import { createRedisClient } from "../../../runtime/chat-cache/src/redis";
import { startFakeOpenAI, type FakeOpenAI, type FakeOpenAIOptions } from "../../support/fakeOpenAI";
import { startRedis, type RedisServer } from "../../support/redisServer";

/** A chat-cache app listening on loopback in front of a fake upstream, with its own Redis client. */
export interface Harness {
    app: App;
    config: Config;
    fake: FakeOpenAI;
    redis: Redis;
    registry: Registry;
    url: string;
    baseURL: string;
    /** Official client pointed at the proxy, with retries off so a test sees exactly one attempt. */
    client(apiKey?: string, opts?: Partial<ConstructorParameters<typeof OpenAI>[0]>): OpenAI;
    /** This app's cache entries in Redis (not the short-lived cross-replica lease and flight-log keys). */
    keys(): Promise<string[]>;
    /** Raw POST to /v1/chat/completions. */
    post(body: unknown, headers?: Record<string, string>): Promise<Response>;
    close(): Promise<void>;
}

/** Starts fake upstream + app; `env` overrides the defaults. Close it in `after`/`afterEach`. */
export async function startHarness(
    redisServer: RedisServer,
    env: Record<string, string> = {},
    fakeOpts: FakeOpenAIOptions = {},
    existingFake?: FakeOpenAI,
    logger: Logger = pino({ level: "silent" }),
): Promise<Harness> {
    const fake = existingFake ?? (await startFakeOpenAI(fakeOpts));
    const config = loadConfig({
        UPSTREAM_BASE_URL: fake.baseURL,
        REDIS_URL: redisServer.url,
        PORT: "0",
        HOST: "127.0.0.1",
        CACHE_KEY_PREFIX: `t${Math.random().toString(36).slice(2, 8)}`,
        ...env,
    });
    const redis = createRedisClient(config);
    redis.on("error", () => undefined);
    await redis.connect().catch(() => undefined);
    const subscriber = createRedisClient(config);
    subscriber.on("error", () => undefined);
    await subscriber.connect().catch(() => undefined);
    const registry = new Registry();
    const app = createApp({ config, redis, subscriber, registry, logger });
    await new Promise<void>((r) => app.server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    return {
        app,
        config,
        fake,
        redis,
        registry,
        url,
        baseURL: `${url}/v1`,
        client(apiKey = "sk-test-tenant-a", opts = {}) {
            return new OpenAI({ apiKey, baseURL: `${url}/v1`, maxRetries: 0, timeout: 20000, ...opts });
        },
        async keys() {
            const entry = /^[^:]+:v\d+:[0-9a-f]{64}$/;
            return (await redis.keys(`${config.keyPrefix}:*`)).filter((k) => entry.test(k));
        },
        post(body, headers = {}) {
            return fetch(`${url}/v1/chat/completions`, {
                method: "POST",
                headers: { "content-type": "application/json", authorization: "Bearer sk-test-tenant-a", ...headers },
                body: typeof body === "string" ? body : JSON.stringify(body),
            });
        },
        async close() {
            await app.close(1000);
            redis.disconnect();
            subscriber.disconnect();
            if (!existingFake) await fake.close();
        },
    };
}

/** A deterministic request body (temperature 0) that the proxy caches by default; typed loosely to suit both callers. */

export function det(content: string, extra: Record<string, unknown> = {}): any {
    return { model: "gpt-4o-mini", temperature: 0, messages: [{ role: "user", content }], ...extra };
}

/** Reads one metric's sample value from the registry (0 when absent). */
export async function metricValue(
    registry: Registry,
    name: string,
    labels: Record<string, string> = {},
): Promise<number> {
    const m = await registry.getSingleMetric(name)?.get();
    if (!m) return 0;
    let total = 0;
    for (const v of m.values) {
        const l = v.labels as Record<string, string | number>;
        if (Object.entries(labels).every(([k, val]) => String(l[k]) === val)) total += v.value;
    }
    return total;
}

/** `det` typed for the official client, non-streaming. */
export function detParams(
    content: string,
    extra: Partial<ChatCompletionCreateParamsNonStreaming> = {},
): ChatCompletionCreateParamsNonStreaming {
    return det(content, extra);
}

/** `det` typed for the official client, streaming. */
export function detStream(
    content: string,
    extra: Partial<ChatCompletionCreateParamsNonStreaming> | Record<string, unknown> = {},
): ChatCompletionCreateParamsStreaming {
    return { ...det(content, extra), stream: true };
}

/** Parses a fetch response body as loosely typed JSON. */

export async function jsonOf(res: Response): Promise<any> {
    return res.json();
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `cond()` is true (polling), failing after `ms`. */
export async function until(cond: () => boolean | Promise<boolean>, ms = 5000, what = "condition"): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
        if (await cond()) return;
        await sleep(10);
    }
    throw new Error(`timed out waiting for ${what}`);
}

/** A suite's view of its chat-cache app: the current `Harness`, plus the suite's redis-server and a way to start an app. */
export interface SuiteHarness extends Omit<Harness, "close"> {
    /** The suite's real redis-server (started in `before`, closed in `after`). */
    readonly redisServer: RedisServer;
    /** Starts an app with `env` (over the suite's `env`) and makes it current; the helper closes it after the test. */
    start(env?: Record<string, string>, fakeOpts?: FakeOpenAIOptions): Promise<Harness>;
}

/** When `useHarness` starts the app: before each test (default), once for the suite, or only when a test calls `start()`. */
export type HarnessMode = "each" | "once" | "manual";

/**
 * Registers mocha hooks that start a redis-server for the enclosing `describe` and an app in front of a fake upstream,
 * and close both afterwards. Call it directly inside `describe`. The returned object delegates to the current app.
 */
export function useHarness(opts: { mode?: HarnessMode; env?: Record<string, string> } = {}): SuiteHarness {
    const mode = opts.mode ?? "each";
    let server: RedisServer | undefined;
    let current: Harness | undefined;
    const h = (): Harness => {
        if (!current)
            throw new Error(
                mode === "manual"
                    ? "no chat-cache app yet: call start() in the test first"
                    : "no chat-cache app is running outside a test",
            );
        return current;
    };
    const start = async (env: Record<string, string> = {}, fakeOpts: FakeOpenAIOptions = {}): Promise<Harness> => {
        if (!server) throw new Error("useHarness: redis-server is not running (call start() from a test or hook)");
        await stop();
        current = await startHarness(server, { ...opts.env, ...env }, fakeOpts);
        return current;
    };
    const stop = async (): Promise<void> => {
        const c = current;
        current = undefined;
        await c?.close();
    };

    before(async () => {
        server = await startRedis();
        if (mode === "once") await start();
    });
    after(async () => {
        await stop();
        await server?.close();
    });
    if (mode === "each") beforeEach(() => start().then(() => undefined));
    if (mode !== "once") afterEach(stop);

    return {
        get redisServer() {
            if (!server) throw new Error("useHarness: redis-server is not running outside the suite's hooks");
            return server;
        },
        start,
        get app() {
            return h().app;
        },
        get config() {
            return h().config;
        },
        get fake() {
            return h().fake;
        },
        get redis() {
            return h().redis;
        },
        get registry() {
            return h().registry;
        },
        get url() {
            return h().url;
        },
        get baseURL() {
            return h().baseURL;
        },
        client: (apiKey, clientOpts) => h().client(apiKey, clientOpts),
        keys: () => h().keys(),
        post: (body, headers) => h().post(body, headers),
    };
}
