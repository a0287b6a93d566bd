import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../../runtime/chat-cache/src/config";
import { ConfigError } from "../../../runtime/chat-cache/src/errors";
import { ttlClass, ttlFor } from "../../../runtime/chat-cache/src/rules";

const env = { UPSTREAM_BASE_URL: "http://llm:8000/v1/", REDIS_URL: "redis://redis:6379" };

describe("loadConfig", () => {
    it("applies the documented defaults", () => {
        const c = loadConfig(env);
        expect(c).to.include({
            port: 8080,
            upstreamBaseUrl: "http://llm:8000/v1",
            defaultTtlSeconds: 300,
            upstreamTimeoutMs: 30000,
            upstreamMaxConcurrency: 50,
            maxBodyBytes: 1048576,
        });
        expect(c.upstreamApiKey).to.equal(undefined);
        expect(c.upstreamMaxQueue).to.be.greaterThan(0);
    });

    const bad: Array<[Record<string, string | undefined>, string]> = [
        [{ UPSTREAM_BASE_URL: undefined }, "UPSTREAM_BASE_URL"],
        [{ UPSTREAM_BASE_URL: "ftp://x" }, "UPSTREAM_BASE_URL"],
        [{ REDIS_URL: undefined }, "REDIS_URL"],
        [{ REDIS_URL: "http://redis" }, "REDIS_URL"],
        [{ PORT: "eighty" }, "PORT"],
        [{ PORT: "70000" }, "PORT"],
        [{ CACHE_DEFAULT_TTL_SECONDS: "-5" }, "CACHE_DEFAULT_TTL_SECONDS"],
        [{ UPSTREAM_TIMEOUT_MS: "0" }, "UPSTREAM_TIMEOUT_MS"],
        [{ UPSTREAM_MAX_CONCURRENCY: "1.5" }, "UPSTREAM_MAX_CONCURRENCY"],
        [{ UPSTREAM_MAX_QUEUE: "x" }, "UPSTREAM_MAX_QUEUE"],
        [{ MAX_BODY_BYTES: "10" }, "MAX_BODY_BYTES"],
        [{ CACHE_NONDETERMINISTIC: "maybe" }, "CACHE_NONDETERMINISTIC"],
        [{ LOG_LEVEL: "loud" }, "LOG_LEVEL"],
        [{ CACHE_ALLOW_MULTIPLE_CHOICES: "2" }, "CACHE_ALLOW_MULTIPLE_CHOICES"],
        [{ HEADERS_TIMEOUT_MS: "5" }, "HEADERS_TIMEOUT_MS"],
        [{ BODY_TIMEOUT_MS: "ten" }, "BODY_TIMEOUT_MS"],
        [{ CACHE_RULES_FILE: "/nonexistent/rules.yaml" }, "CACHE_RULES_FILE"],
    ];
    for (const [patch, name] of bad) {
        it(`rejects a bad ${name} with an error naming it`, () => {
            expect(() => loadConfig({ ...env, ...patch })).to.throw(ConfigError, name);
        });
    }

    it("names the variable, the range and the default, and never echoes the value", () => {
        expect(() => loadConfig({ ...env, UPSTREAM_TIMEOUT_MS: "s3cret-looking-value" })).to.throw(
            ConfigError,
            /^UPSTREAM_TIMEOUT_MS must be a whole number between 1 and 600000 \(default 30000\)\.$/,
        );
        expect(() => loadConfig({ ...env, MAX_BODY_BYTES: "10" })).to.throw(ConfigError, /between 1024 and/);
        try {
            loadConfig({ ...env, REDIS_URL: "http://user:hunter2@redis" });
        } catch (err) {
            expect((err as Error).message)
                .to.include("REDIS_URL")
                .and.not.include("hunter2");
        }
    });

    it("treats empty and blank variables as unset, *_FILE ones included", () => {
        const c = loadConfig({
            ...env,
            PORT: "",
            LOG_LEVEL: "  ",
            UPSTREAM_API_KEY_FILE: "",
            REDIS_PASSWORD_FILE: " ",
            CACHE_RULES_FILE: "",
        });
        expect(c).to.include({ port: 8080, logLevel: "info" });
        expect(c.upstreamApiKey).to.equal(undefined);
        expect(c.redisPassword).to.equal(undefined);
    });

    it("reads the new timeouts and the coalescing lease", () => {
        const c = loadConfig({ ...env, HEADERS_TIMEOUT_MS: "2000", BODY_TIMEOUT_MS: "5000", COALESCE_LEASE_MS: "800" });
        expect(c).to.include({ headersTimeoutMs: 2000, bodyTimeoutMs: 5000, coalesceLeaseMs: 800 });
        expect(() => loadConfig({ ...env, COALESCE_LEASE_MS: "50" })).to.throw(ConfigError, "COALESCE_LEASE_MS");
    });

    describe("rules file", () => {
        const dir = mkdtempSync(join(tmpdir(), "chat-cache-rules-"));
        it("overrides TTL classes and normalisation from YAML", () => {
            const file = join(dir, "rules.yaml");
            writeFileSync(
                file,
                "contexts:\n  infrastructure:\n    ttlSeconds: 120\n  support:\n    ttlSeconds: 600\nnormalise:\n  stripPolitePrefixes: true\n",
            );
            const c = loadConfig({ ...env, CACHE_RULES_FILE: file });
            expect(ttlFor(c.rules, ttlClass(c.rules, "infrastructure"), "")).to.equal(120);
            expect(ttlFor(c.rules, ttlClass(c.rules, "support"), "")).to.equal(600);
            expect(ttlFor(c.rules, ttlClass(c.rules, "ceo_deep_research"), "")).to.equal(900);
            expect(c.rules.stripPolitePrefixes).to.equal(true);
        });
        it("rejects TTLs outside 1 to 15 minutes, naming the rule", () => {
            const file = join(dir, "bad.json");
            writeFileSync(file, JSON.stringify({ contexts: { infrastructure: { ttlSeconds: 5 } } }));
            expect(() => loadConfig({ ...env, CACHE_RULES_FILE: file })).to.throw(
                ConfigError,
                "contexts.infrastructure.ttlSeconds",
            );
        });
        it("rejects unknown keys", () => {
            const file = join(dir, "unknown.json");
            writeFileSync(file, JSON.stringify({ context: {} }));
            expect(() => loadConfig({ ...env, CACHE_RULES_FILE: file })).to.throw(ConfigError, "unknown key `context`");
        });
    });
});

describe("TTL classes", () => {
    const { rules } = loadConfig(env);
    it("follow the original design", () => {
        expect(ttlFor(rules, ttlClass(rules, "infrastructure"), "all good")).to.equal(60);
        expect(ttlFor(rules, ttlClass(rules, "ceo_deep_research"), "x")).to.equal(900);
        expect(ttlFor(rules, ttlClass(rules, "business_intelligence"), "Revenue grew 5% last quarter")).to.equal(600);
        expect(ttlFor(rules, ttlClass(rules, "business_intelligence"), "The current pipeline is")).to.equal(120);
        expect(ttlFor(rules, ttlClass(rules, "business_intelligence"), "Live numbers")).to.equal(120);
        expect(ttlFor(rules, ttlClass(rules, "anything-else"), "now")).to.equal(300);
        expect(ttlClass(rules, "constructor")).to.equal("default");
        expect(ttlClass(rules, undefined)).to.equal("default");
    });
});
