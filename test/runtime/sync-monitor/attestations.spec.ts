import { expect } from "chai";
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { useWorld, baseConfig, seedAcme, ORG, REPO, ENV, HMAC_KEY, ESC_TOKEN, type Harness } from "./harness";
import { createMonitor, type Monitor } from "../../../runtime/sync-monitor/src/monitor";
import { createEscClient } from "../../../runtime/sync-monitor/src/escSource";
import { Alerter } from "../../../runtime/sync-monitor/src/alerts";
import { createApp } from "../../../runtime/sync-monitor/src/app";
import { valueHmac } from "../../../runtime/sync-monitor/src/ledger";
import { loadConfig } from "../../../runtime/sync-monitor/src/config";
import { ConfigError } from "../../../runtime/sync-monitor/src/errors";
import { makeGithubToken } from "../../../runtime/sync-monitor/src/exposure";
import {
    attestationHmac,
    parseAttestations,
    planAttestationImports,
    ATTESTED_GH_STATUS,
} from "../../../runtime/sync-monitor/src/attestations";

const ROOT = join(__dirname, "../../..");
const ESC_ENV = "sophia/platform/prod";
const VALUES = { github: { npmToken: "npm-value-1" }, api: { dbPassword: "db-value-1", deployKey: "deploy-value-1" } };
const SECRETS = ["github.npmToken", "api.dbPassword", "api.deployKey"];
const B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const rand = (n: number) => Array.from(randomBytes(n), (b) => B62[b % 62]).join("");

type Ref = typeof ORG | typeof REPO | typeof ENV;
interface Entry {
    scope: string;
    target: string;
    name: string;
    valueHmac: string;
    updatedAt: string | null;
}

const idOf = (ref: Ref): string =>
    ref.scope === "org"
        ? ref.owner
        : ref.scope === "repo"
          ? `${ref.owner}/${ref.repo}`
          : `${ref.owner}/${ref.repo}:${ref.environment}`;

/** Writes a secret into the fake GitHub as Pulumi would and returns the attestation Pulumi would render for it. */
function pulumiWrites(h: Harness, ref: Ref, name: string, value: string): Entry {
    h.gh.setSecret(ref, name, value);
    return {
        scope: ref.scope,
        target: idOf(ref),
        name,
        valueHmac: valueHmac(HMAC_KEY, value),
        updatedAt: h.gh.meta(ref, name)!.updated_at,
    };
}

/** Pulumi writes every secret of {@link baseConfig} with the values of {@link VALUES}. */
function pulumiWritesAll(h: Harness, values = VALUES): Entry[] {
    return [
        pulumiWrites(h, ORG, "NPM_TOKEN", values.github.npmToken),
        pulumiWrites(h, REPO, "SOPHIA_DB_PASSWORD", values.api.dbPassword),
        pulumiWrites(h, ENV, "SOPHIA_DEPLOY_KEY", values.api.deployKey),
    ];
}

const dir = mkdtempSync(join(tmpdir(), "sm-attest-"));
let fileSerial = 0;
function attestationFile(entries: unknown[], extra: Record<string, unknown> = {}): string {
    const path = join(dir, `attestations-${++fileSerial}.json`);
    writeFileSync(path, JSON.stringify({ version: 1, writer: "pulumi", escEnvironment: ESC_ENV, entries, ...extra }));
    return path;
}

/** The harness's monitor, rebuilt with an attestation file (the harness itself does not pass one). */
function withAttestations(h: Harness, path: string | undefined): Monitor {
    const alerter = new Alerter({
        url: h.am.url,
        logger: h.logger,
        metrics: h.metrics,
        redactor: h.redactor,
        scanner: h.scanner,
        clock: h.clock,
        ttlMs: 900_000,
    });
    h.monitor = createMonitor({
        config: h.config,
        github: h.github,
        esc: createEscClient(h.esc.url, ESC_TOKEN),
        ledger: h.ledger,
        alerter,
        metrics: h.metrics,
        logger: h.logger,
        redactor: h.redactor,
        scanner: h.scanner,
        hmacKey: HMAC_KEY,
        clock: h.clock,
        budget: h.budget,
        attestationsFile: path,
    });
    return h.monitor;
}

const kindsOf = (r: { drift: { kind: string; name: string }[] }) => r.drift.map((d) => `${d.kind}:${d.name}`).sort();
const logsOf = (h: Harness) => h.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
const writesTo = (h: Harness) => h.gh.calls.filter((c) => c.method === "PUT" || c.method === "DELETE");

describe("sync-monitor write attestations", function () {
    this.timeout(60_000);
    const world = useWorld();
    let h: Harness;

    const start = (config = baseConfig()) => world.start({ config, values: VALUES, secrets: SECRETS, seed: seedAcme });

    it("turns secrets Pulumi wrote into in_sync (not unverifiable) and records them with ghStatus 0, writing nothing to GitHub", async () => {
        h = await start();
        const entries = pulumiWritesAll(h);
        // Without attestations the monitor cannot verify a single one of them.
        const before = await withAttestations(h, undefined).runCheck({ dryRun: true });
        expect(kindsOf(before)).to.deep.equal([
            "unverifiable:NPM_TOKEN",
            "unverifiable:SOPHIA_DB_PASSWORD",
            "unverifiable:SOPHIA_DEPLOY_KEY",
        ]);
        expect(before.healthPercent).to.equal(0);

        const m = withAttestations(h, attestationFile(entries));
        // A dry run judges with the attestations but records nothing.
        const dry = await m.runCheck({ dryRun: true });
        expect(dry.status).to.equal("in_sync");
        expect((await h.pool.query("SELECT 1 FROM sync_ledger")).rowCount).to.equal(0);

        h.gh.resetCalls();
        const r = await m.runCheck({ heal: true });
        expect(r.status).to.equal("in_sync");
        expect(r.healthPercent).to.equal(100);
        expect(r.counts.unverifiable).to.equal(0);
        expect(r.heals).to.deep.equal([]);
        expect(writesTo(h)).to.deep.equal([]);
        expect(await h.monitor.heals()).to.deep.equal([]);

        const { rows } = await h.pool.query("SELECT * FROM sync_ledger ORDER BY name");
        expect(rows.map((x) => `${x.scope}|${x.target}|${x.name}`)).to.deep.equal([
            "org|acme|NPM_TOKEN",
            "repo|acme/api|SOPHIA_DB_PASSWORD",
            "environment|acme/api:production|SOPHIA_DEPLOY_KEY",
        ]);
        for (const row of rows) {
            const e = entries.find((x) => x.name === row.name)!;
            expect(row.gh_status).to.equal(ATTESTED_GH_STATUS).and.to.equal(0);
            expect(row.esc_revision).to.equal(0);
            expect(row.esc_env).to.equal(ESC_ENV);
            expect(row.value_hmac).to.equal(e.valueHmac);
            expect((row.gh_updated_at as Date).toISOString()).to.equal(new Date(e.updatedAt!).toISOString());
            expect((row.pushed_at as Date).toISOString()).to.equal(new Date(e.updatedAt!).toISOString());
        }
        const imported = logsOf(h).filter((l) => l.msg === "attestations imported into the ledger");
        expect(imported.map((l) => [l.imported, l.writer, l.recorded])).to.deep.equal([
            [3, "pulumi", false],
            [3, "pulumi", true],
        ]);

        // Re-reading the unchanged file at the next check imports nothing again.
        h.logs.length = 0;
        expect((await m.runCheck()).status).to.equal("in_sync");
        expect(logsOf(h).filter((l) => l.msg === "attestations imported into the ledger")).to.deep.equal([]);
    });

    it("reports stale when the attested HMAC is not the HMAC of the current ESC value", async () => {
        h = await start();
        const entries = pulumiWritesAll(h, { ...VALUES, github: { npmToken: "npm-value-0" } });
        const r = await withAttestations(h, attestationFile(entries)).runCheck({ dryRun: true });
        expect(kindsOf(r)).to.deep.equal(["stale:NPM_TOKEN"]);
        expect(r.drift[0].detail).to.equal("ESC changed since revision 0");
        // The heal plan treats it like any stale secret: low risk, runs automatically.
        expect(r.plan).to.deep.equal([
            {
                action: "put",
                risk: "low",
                kind: "stale",
                scope: "org",
                target: "acme",
                name: "NPM_TOKEN",
                reason: "ESC value changed since our last write",
                wouldRun: "automatically",
            },
        ]);
    });

    it("reports tampered when GitHub's updated_at is later than the attested one beyond the clock skew", async () => {
        h = await start(baseConfig({ thresholds: { clockSkewSeconds: 5 } }));
        const entries = pulumiWritesAll(h);
        const shift = (e: Entry, seconds: number): Entry => ({
            ...e,
            updatedAt: new Date(Date.parse(e.updatedAt!) - seconds * 1000).toISOString(),
        });
        // NPM_TOKEN attested 3 s before GitHub's stamp (within 5 s skew), SOPHIA_DB_PASSWORD 30 s before (beyond it).
        const file = attestationFile([shift(entries[0], 3), shift(entries[1], 30), entries[2]]);
        const r = await withAttestations(h, file).runCheck({ heal: true });
        expect(kindsOf(r)).to.deep.equal(["tampered:SOPHIA_DB_PASSWORD"]);
        expect(r.heals.map((x) => `${x.kind}:${x.risk}:${x.outcome}`)).to.deep.equal([
            "tampered:high:awaiting approval",
        ]);
        expect(
            h.am.posted
                .filter((a) => a.labels.drift === "tampered")
                .map((a) => `${a.labels.secret}:${a.labels.severity}`),
        ).to.deep.equal(["SOPHIA_DB_PASSWORD:critical"]);
    });

    it("leaves secrets without a usable attestation unverifiable and never imports names outside the mapping", async () => {
        h = await start();
        const [npm, db, deploy] = pulumiWritesAll(h);
        const outside = pulumiWrites(h, REPO, "SOPHIA_NOT_MAPPED", "x-value");
        expect(deploy.name).to.equal("SOPHIA_DEPLOY_KEY"); // written by Pulumi, but the file has no entry for it
        const file = attestationFile([
            { ...db, updatedAt: null },
            outside,
            // A stamp far in the future (seconds read as milliseconds, say) would hide every later change in GitHub.
            { ...npm, updatedAt: "2999-01-01T00:00:00Z" },
        ]);
        const r = await withAttestations(h, file).runCheck();
        expect(kindsOf(r)).to.deep.equal([
            "extra:SOPHIA_NOT_MAPPED",
            "unverifiable:NPM_TOKEN",
            "unverifiable:SOPHIA_DB_PASSWORD",
            "unverifiable:SOPHIA_DEPLOY_KEY",
        ]);
        // extra, but not owned: the ledger never learnt the unmapped name, so it can never be deleted by a heal.
        expect(r.drift.find((d) => d.name === "SOPHIA_NOT_MAPPED")!.detail).to.equal(
            "matches nameRules.ownedPattern, not owned",
        );
        expect((await h.pool.query("SELECT 1 FROM sync_ledger")).rowCount).to.equal(0);
        const logs = logsOf(h);
        expect(logs.find((l) => l.msg === "attestation without updatedAt ignored")).to.include({
            level: 20,
            name: "SOPHIA_DB_PASSWORD",
        });
        expect(logs.find((l) => l.msg === "attestation ignored: not in the mapping")).to.include({
            level: 40,
            name: "SOPHIA_NOT_MAPPED",
        });
        expect(logs.find((l) => l.msg === "attestation ignored: updatedAt in the future")).to.include({
            level: 40,
            name: "NPM_TOKEN",
        });
    });

    it("does not let an older attestation overwrite a later heal, but imports a newer Pulumi write", async () => {
        h = await start();
        const first = pulumiWritesAll(h);
        const m = withAttestations(h, attestationFile(first));
        expect((await m.runCheck()).status).to.equal("in_sync");

        // ESC rotates: stale, healed automatically by the monitor (GitHub's updated_at advances past the attestation).
        const v2 = { ...VALUES, api: { ...VALUES.api, dbPassword: "db-value-2" } };
        h.esc.setEnvironment(ESC_ENV, v2, SECRETS);
        const healing = await m.runCheck({ heal: true });
        expect(healing.heals.map((x) => `${x.kind}:${x.name}:${x.outcome}`)).to.deep.equal([
            "stale:SOPHIA_DB_PASSWORD:pushed (HTTP 204)",
        ]);
        expect(h.gh.value(REPO, "SOPHIA_DB_PASSWORD")).to.equal("db-value-2");
        const healed = (await h.pool.query("SELECT * FROM sync_ledger WHERE name = 'SOPHIA_DB_PASSWORD'")).rows[0];
        expect(healed.gh_status).to.equal(204);
        expect(healed.value_hmac).to.equal(valueHmac(HMAC_KEY, "db-value-2"));

        // The file still attests the old value at the old time: the ledger keeps the heal, the secret stays in sync.
        for (let i = 0; i < 2; i++) {
            const r = await m.runCheck({ heal: true });
            expect(r.status).to.equal("in_sync");
            expect(r.heals).to.deep.equal([]);
        }
        const kept = (await h.pool.query("SELECT * FROM sync_ledger WHERE name = 'SOPHIA_DB_PASSWORD'")).rows[0];
        expect(kept).to.deep.equal(healed);

        // Pulumi writes again later (a new deploy renders a new file): its attestation is newer and wins.
        const again = pulumiWrites(h, REPO, "SOPHIA_DB_PASSWORD", "db-value-2");
        const m2 = withAttestations(h, attestationFile([first[0], again, first[2]]));
        expect((await m2.runCheck()).status).to.equal("in_sync");
        const row = (await h.pool.query("SELECT * FROM sync_ledger WHERE name = 'SOPHIA_DB_PASSWORD'")).rows[0];
        expect(row.gh_status).to.equal(0);
        expect((row.gh_updated_at as Date).toISOString()).to.equal(new Date(again.updatedAt!).toISOString());
    });

    it("fails a check with an error naming SYNC_ATTESTATIONS_FILE when the file turns bad after start", async () => {
        h = await start();
        const path = attestationFile(pulumiWritesAll(h));
        const m = withAttestations(h, path);
        expect((await m.runCheck()).status).to.equal("in_sync");
        writeFileSync(path, "{ not json");
        const r = await m.runCheck();
        expect(r.status).to.equal("failed");
        expect(r.error).to.match(/^SYNC_ATTESTATIONS_FILE: the file is not valid JSON/);
    });

    it("canary: values and attested HMACs never reach logs, reports, alerts, metrics, history or HTTP", async () => {
        const canaries = {
            npm: `canary-npm-${rand(24)}`,
            db: makeGithubToken("ghp", rand(30)),
            deploy: `canary-deploy-${rand(24)}`,
        };
        const values = {
            github: { npmToken: canaries.npm },
            api: { dbPassword: canaries.db, deployKey: canaries.deploy },
        };
        h = await world.start({ config: baseConfig(), values, secrets: SECRETS, seed: seedAcme });
        // Pulumi wrote an old npm value (stale), the rest current; a human later changed the deploy key (tampered).
        const entries = pulumiWritesAll(h, { ...values, github: { npmToken: `${canaries.npm}-old` } });
        const path = attestationFile(entries);
        h.gh.setSecret(ENV, "SOPHIA_DEPLOY_KEY", `${canaries.deploy}-by-hand`);
        const m = withAttestations(h, path);
        const server: Server = createServer(
            createApp({
                monitor: m,
                registry: h.registry,
                redactor: h.redactor,
                logger: h.logger,
                ledger: h.ledger,
                adminToken: "admin-token-0123456789abcdef",
            }),
        );
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
        const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        const bodies: string[] = [];
        try {
            const reports = [await m.runCheck({ dryRun: true }), await m.runCheck({ heal: true }), await m.runCheck()];
            expect(kindsOf(reports[0])).to.deep.equal(["stale:NPM_TOKEN", "tampered:SOPHIA_DEPLOY_KEY"]);
            expect(h.gh.value(ORG, "NPM_TOKEN")).to.equal(canaries.npm); // stale healed with the real value
            // A producer bug that writes a value where its HMAC belongs: the error names the entry, never the value.
            writeFileSync(
                path,
                JSON.stringify({
                    version: 1,
                    writer: "pulumi",
                    escEnvironment: ESC_ENV,
                    entries: [{ ...entries[0], valueHmac: canaries.npm }],
                }),
            );
            reports.push(await m.runCheck());
            expect(reports[3].error).to.equal(
                "SYNC_ATTESTATIONS_FILE: `entries[0].valueHmac` must be 64 hex characters (HMAC-SHA256 of the written value under SYNC_HMAC_KEY).",
            );
            // Broken JSON right after a value: V8 would quote the text around the error; the message must not.
            writeFileSync(path, `{"version":1,"entries":[{"name":"${canaries.db}" oops}]}`);
            reports.push(await m.runCheck());
            expect(reports[4].error).to.match(
                /^SYNC_ATTESTATIONS_FILE: the file is not valid JSON \(error at position \d+\)/,
            );
            for (const p of [
                "/api/v1/secret-sync/health",
                "/api/v1/secret-sync/alerts",
                "/api/v1/secret-sync/heals",
                "/metrics",
            ]) {
                bodies.push(await (await fetch(`${base}${p}`)).text());
            }
            const { rows } = await h.pool.query("SELECT report::text AS r FROM sync_checks");
            const haystacks: [string, string][] = [
                ...h.logs.map((l): [string, string] => ["log", l]),
                ...bodies.map((b): [string, string] => ["http", b]),
                ...reports.map((r): [string, string] => ["report", JSON.stringify(r)]),
                ["alertmanager", JSON.stringify(h.am.posted)],
                ["metrics", await h.registry.metrics()],
                ...rows.map((r): [string, string] => ["history", r.r as string]),
            ];
            const needles = [...Object.values(canaries), `${canaries.npm}-old`, `${canaries.deploy}-by-hand`];
            const forms = needles.flatMap((v) => [v, Buffer.from(v).toString("base64"), encodeURIComponent(v)]);
            for (const [where, text] of haystacks) {
                for (const f of forms) if (text.includes(f)) expect.fail(`a canary form leaked into ${where}`);
                // The attested HMACs stay in the file and the ledger table.
                for (const e of entries)
                    if (text.includes(e.valueHmac)) expect.fail(`an attested HMAC appeared in ${where}`);
            }
            expect(h.logs.length).to.be.greaterThan(5);
        } finally {
            await new Promise((r) => server.close(r));
        }
    });
});

describe("sync-monitor attestation file validation (SYNC_ATTESTATIONS_FILE)", () => {
    const cfgDir = mkdtempSync(join(tmpdir(), "sm-attest-cfg-"));
    const file = (n: string, t: string) => {
        writeFileSync(join(cfgDir, n), t);
        return join(cfgDir, n);
    };
    const env = {
        SYNC_CONFIG: file("sync.yaml", JSON.stringify(baseConfig())),
        SYNC_HMAC_KEY_FILE: file("hmac", `${HMAC_KEY.toString()}\n`),
        GITHUB_TOKEN: "gh-token-for-config-tests",
        PULUMI_ACCESS_TOKEN: "pul-token-for-config-tests",
        DATABASE_URL: "postgres://sync@127.0.0.1:5432/sync",
    };
    const good = {
        scope: "repo",
        target: "acme/api",
        name: "SOPHIA_DB_PASSWORD",
        valueHmac: "ab".repeat(32),
        updatedAt: "2026-11-26T12:00:00Z",
    };
    const doc = (o: Record<string, unknown> = {}) =>
        JSON.stringify({ version: 1, writer: "pulumi", escEnvironment: ESC_ENV, entries: [good], ...o });
    const loadWith = (text: string | null) =>
        loadConfig({
            ...env,
            SYNC_ATTESTATIONS_FILE: text === null ? join(cfgDir, "nope.json") : file(`a-${rand(6)}.json`, text),
        });
    const errorOf = (text: string | null): string => {
        try {
            loadWith(text);
        } catch (e) {
            expect(e).to.be.instanceOf(ConfigError);
            return (e as Error).message;
        }
        return expect.fail("loadConfig accepted a bad attestation file") as never;
    };

    it("is optional, and a valid file's path reaches the config", () => {
        expect(loadConfig(env).attestationsFile).to.equal(undefined);
        expect(loadWith(doc()).attestationsFile).to.match(/a-\w+\.json$/);
        expect(loadWith(doc({ entries: [] })).attestationsFile).to.be.a("string");
        expect(
            loadWith(doc({ entries: [{ ...good, updatedAt: null, valueHmac: "AB".repeat(32) }] })).attestationsFile,
        ).to.be.a("string");
    });

    const cases: [string, string | null, RegExp][] = [
        ["an unreadable file", null, /^SYNC_ATTESTATIONS_FILE: cannot read .*nope\.json \(ENOENT\)/],
        ["invalid JSON", "{ version: 1", /^SYNC_ATTESTATIONS_FILE: the file is not valid JSON/],
        ["a list instead of an object", "[]", /^SYNC_ATTESTATIONS_FILE: the file must be a JSON object/],
        ["another version", doc({ version: 2 }), /^SYNC_ATTESTATIONS_FILE: `version` must be 1\.$/],
        ["a missing writer", doc({ writer: "" }), /`writer` must be a non-empty string/],
        ["an unknown top-level key", doc({ extra: true }), /`extra` is not a known key/],
        ["entries that are not a list", doc({ entries: {} }), /`entries` must be a list/],
        [
            "another ESC environment",
            doc({ escEnvironment: "sophia/platform/staging" }),
            /`escEnvironment` is sophia\/platform\/staging, but SYNC_CONFIG's esc.environment is sophia\/platform\/prod/,
        ],
        [
            "a malformed ESC environment",
            doc({ escEnvironment: "prod" }),
            /`escEnvironment` must be the ESC environment `org\/project\/env`/,
        ],
        [
            "an unknown scope",
            doc({ entries: [good, { ...good, scope: "team" }] }),
            /^SYNC_ATTESTATIONS_FILE: `entries\[1\]\.scope` must be one of org, repo, environment\.$/,
        ],
        [
            "a target that does not fit its scope",
            doc({ entries: [{ ...good, scope: "environment" }] }),
            /`entries\[0\]\.target` must be a target id for scope environment \(`owner\/repo:environment`\)/,
        ],
        [
            "short hex",
            doc({ entries: [{ ...good, valueHmac: "abcd" }] }),
            /^SYNC_ATTESTATIONS_FILE: `entries\[0\]\.valueHmac` must be 64 hex characters/,
        ],
        [
            "non-hex characters",
            doc({ entries: [good, good, { ...good, name: "X", valueHmac: "zz".repeat(32) }] }),
            /`entries\[2\]\.valueHmac` must be 64 hex/,
        ],
        [
            "a bad timestamp",
            doc({ entries: [{ ...good, updatedAt: "yesterday" }] }),
            /`entries\[0\]\.updatedAt` must be an ISO 8601 timestamp/,
        ],
        [
            "a missing updatedAt",
            doc({ entries: [{ scope: "repo", target: "acme/api", name: "A", valueHmac: good.valueHmac }] }),
            /`entries\[0\]\.updatedAt` is required/,
        ],
        [
            "an unknown entry key",
            doc({ entries: [{ ...good, value: "x" }] }),
            /`entries\[0\]\.value` is not a known key/,
        ],
        [
            "a duplicate entry",
            doc({ entries: [good, { ...good, name: "sophia_db_password" }] }),
            /`entries\[1\]` repeats `entries\[0\]`/,
        ],
    ];
    for (const [what, text, re] of cases) {
        it(`rejects ${what} with an error naming the variable`, () => {
            const msg = errorOf(text);
            expect(msg).to.match(/^SYNC_ATTESTATIONS_FILE: /);
            expect(msg).to.match(re);
        });
    }

    it("never quotes file content in errors", () => {
        const value = `canary-${rand(24)}`;
        for (const text of [
            doc({ entries: [{ ...good, valueHmac: value }] }),
            `{"entries":[{"valueHmac":${value}}]}`,
            doc({ entries: [{ ...good, scope: value }] }),
        ]) {
            expect(errorOf(text)).not.to.contain(value.slice(8));
        }
    });

    it("the service exits 2 at start naming SYNC_ATTESTATIONS_FILE", async function () {
        this.timeout(60_000);
        const bad = file("bad.json", doc({ entries: [{ ...good, scope: "team" }] }));
        const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
            const child = spawn(
                process.execPath,
                [
                    "-r",
                    "ts-node/register/transpile-only",
                    join(ROOT, "runtime/sync-monitor/src/main.ts"),
                    "--health-check",
                ],
                {
                    cwd: ROOT,
                    env: {
                        PATH: process.env.PATH ?? "",
                        TS_NODE_TRANSPILE_ONLY: "true",
                        ...env,
                        SYNC_ATTESTATIONS_FILE: bad,
                    },
                    stdio: ["ignore", "ignore", "pipe"],
                },
            );
            let stderr = "";
            child.stderr.on("data", (d) => (stderr += d));
            child.on("exit", (code) => resolve({ code, stderr }));
        });
        expect(r.code).to.equal(2);
        expect(r.stderr).to.contain(
            "SYNC_ATTESTATIONS_FILE: `entries[0].scope` must be one of org, repo, environment.",
        );
    });
});

describe("sync-monitor attestation import planning", () => {
    const file = parseAttestations(
        JSON.stringify({
            version: 1,
            writer: "pulumi",
            escEnvironment: ESC_ENV,
            entries: [
                {
                    scope: "org",
                    target: "acme",
                    name: "npm_token",
                    valueHmac: "AB".repeat(32),
                    updatedAt: "2026-11-26T12:00:00+01:00",
                },
            ],
        }),
    );
    const mapped = new Set(["org|acme|NPM_TOKEN"]);
    const now = Date.parse("2026-11-26T12:00:00Z");
    const ledgerAt = (iso: string) =>
        new Map([
            [
                "org|acme|NPM_TOKEN",
                {
                    scope: "org",
                    target: "acme",
                    name: "NPM_TOKEN",
                    escEnv: ESC_ENV,
                    escRevision: 3,
                    valueHmac: "cd".repeat(32),
                    pushedAt: new Date(iso),
                    ghUpdatedAt: new Date(iso),
                    ghStatus: 204,
                },
            ],
        ]);

    it("normalises names, HMAC case and time zones", () => {
        expect(file.entries[0]).to.deep.equal({
            scope: "org",
            target: "acme",
            name: "NPM_TOKEN",
            valueHmac: "ab".repeat(32),
            updatedAt: new Date("2026-11-26T11:00:00Z"),
        });
        const plan = planAttestationImports(file, new Map(), mapped, now, 0);
        expect(plan.imports).to.deep.equal([
            {
                scope: "org",
                target: "acme",
                name: "NPM_TOKEN",
                escEnv: ESC_ENV,
                escRevision: 0,
                valueHmac: "ab".repeat(32),
                pushedAt: new Date("2026-11-26T11:00:00Z"),
                ghUpdatedAt: new Date("2026-11-26T11:00:00Z"),
                ghStatus: 0,
            },
        ]);
    });

    it("imports only when the ledger entry is strictly older", () => {
        expect(planAttestationImports(file, ledgerAt("2026-11-26T10:59:59Z"), mapped, now, 0).imports).to.have.length(
            1,
        );
        expect(planAttestationImports(file, ledgerAt("2026-11-26T11:00:00Z"), mapped, now, 0).imports).to.deep.equal(
            [],
        );
        expect(planAttestationImports(file, ledgerAt("2026-11-26T11:30:00Z"), mapped, now, 0).imports).to.deep.equal(
            [],
        );
    });

    it("computes the producer's HMAC exactly as the monitor does (trimmed key text, JSON for non-strings)", () => {
        expect(attestationHmac(`${HMAC_KEY.toString()}\n`, "v")).to.equal(valueHmac(HMAC_KEY, "v"));
        expect(attestationHmac(HMAC_KEY.toString(), { a: 1 })).to.equal(valueHmac(HMAC_KEY, '{"a":1}'));
        expect(attestationHmac(HMAC_KEY.toString(), 5432)).to.equal(valueHmac(HMAC_KEY, "5432"));
    });
});
