import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { loadConfig } from "../../../runtime/chat-cache/src/config";
import { ConfigError } from "../../../runtime/chat-cache/src/errors";
import { createRedisClient } from "../../../runtime/chat-cache/src/redis";
import { RedisServer, startRedis } from "../../support/redisServer";

const env = { UPSTREAM_BASE_URL: "http://llm:8000/v1", REDIS_URL: "redis://127.0.0.1:6379/0" };

describe("chat-cache secrets as files", () => {
    let dir: string;
    before(() => {
        dir = mkdtempSync(join(tmpdir(), "chat-cache-secrets-"));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("reads the Redis password and upstream key from *_FILE (Docker secrets), trimming one trailing newline", () => {
        writeFileSync(join(dir, "redis"), "r3dis-pass\n");
        writeFileSync(join(dir, "key"), "sk-upstream-key");
        const c = loadConfig({
            ...env,
            REDIS_PASSWORD_FILE: join(dir, "redis"),
            UPSTREAM_API_KEY_FILE: join(dir, "key"),
        });
        expect(c.redisPassword).to.equal("r3dis-pass");
        expect(c.upstreamApiKey).to.equal("sk-upstream-key");
    });

    it("names the variable when the file is missing or empty, without printing contents", () => {
        expect(() => loadConfig({ ...env, REDIS_PASSWORD_FILE: join(dir, "nope") })).to.throw(
            ConfigError,
            /REDIS_PASSWORD_FILE points at .*nope, which cannot be read/,
        );
        writeFileSync(join(dir, "empty"), "");
        expect(() => loadConfig({ ...env, UPSTREAM_API_KEY_FILE: join(dir, "empty") })).to.throw(
            ConfigError,
            /UPSTREAM_API_KEY_FILE points at .*empty, which is empty/,
        );
    });

    describe("against a password-protected redis-server", () => {
        let server: RedisServer;
        before(async () => {
            server = await startRedis();
            const admin = new Redis(server.url);
            await admin.config("SET", "requirepass", "file-secret-pw");
            admin.disconnect();
        });
        after(async () => {
            await server.close();
        });

        it("authenticates with the password from the file", async () => {
            writeFileSync(join(dir, "pw"), "file-secret-pw\n");
            const c = loadConfig({ ...env, REDIS_URL: server.url, REDIS_PASSWORD_FILE: join(dir, "pw") });
            const client = createRedisClient(c);
            try {
                await client.connect();
                expect(await client.set("k", "v")).to.equal("OK");
                expect(await client.get("k")).to.equal("v");
            } finally {
                client.disconnect();
            }
        });

        it("is refused without it", async () => {
            const client = createRedisClient(loadConfig({ ...env, REDIS_URL: server.url }));
            const seen: string[] = [];
            client.on("error", (e: Error) => seen.push(String(e)));
            try {
                const connectError = await client.connect().then(
                    () => undefined,
                    (e: Error) => String(e),
                );
                const setError = await client.set("k", "v").then(
                    () => undefined,
                    (e: Error) => String(e),
                );
                expect(setError, "SET must fail without the password").to.be.a("string");
                expect([connectError, setError, ...seen].join("\n")).to.match(/NOAUTH|Authentication required/);
            } finally {
                client.disconnect();
            }
        });
    });
});
