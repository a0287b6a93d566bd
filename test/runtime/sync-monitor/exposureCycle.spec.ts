import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { useWorld, adoptAll, seedAcme, REPO, type Harness } from "./harness";
import { makeGithubToken } from "../../../runtime/sync-monitor/src/exposure";

const B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const rand = (n: number) => Array.from(randomBytes(n), (b) => B62[b % 62]).join("");

// Names built from the words the generic rule keys on: every one used to raise a false SecretExposure.
const NAMES = [
    "SOPHIA_NPM_TOKEN",
    "SOPHIA_SIGNING_KEY",
    "SOPHIA_DB_PASSWORD",
    "SOPHIA_API_DATABASE_URL",
    "SOPHIA_DEPLOY_PRIVATE_KEY",
];
const KEYS = ["app.npmToken", "app.signingKey", "app.dbPassword", "app.databaseUrl", "app.deployPrivateKey"];

function config(): Record<string, unknown> {
    return {
        esc: { environment: "sophia/platform/prod" },
        nameRules: { ownedPattern: "^SOPHIA_" },
        thresholds: { clockSkewSeconds: 0 },
        heal: { enabled: true },
        secrets: KEYS.map((key, i) => ({
            key,
            targets: [{ scope: "repo", owner: "acme", repo: "api", name: NAMES[i] }],
        })),
    };
}

const values = (extra: Record<string, unknown> = {}) => ({
    app: {
        npmToken: `npm_${rand(36)}`,
        signingKey: rand(40),
        dbPassword: rand(24),
        databaseUrl: `postgres://app:${rand(20)}@db:5432/app`,
        deployPrivateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${rand(70)}\n-----END OPENSSH PRIVATE KEY-----`,
    },
    ...extra,
});

const exposureAlerts = (h: Harness) => h.am.posted.filter((a) => a.labels.alertname === "SecretExposure");
const exposureMetric = async (h: Harness) =>
    Number(/^secretsync_exposures (\d+)$/m.exec(await h.registry.metrics())?.[1]);

describe("sync-monitor exposure scan over a full cycle", function () {
    this.timeout(60_000);
    const world = useWorld();

    it("raises no SecretExposure and masks no name for names ending in _TOKEN, _KEY, _PASSWORD, _DATABASE_URL, _PRIVATE_KEY", async () => {
        const h = await world.start({ config: config(), values: values(), secrets: KEYS, seed: seedAcme });
        // missing -> approved first push -> in sync -> out-of-band change (tampered) -> drift alerts naming each secret
        await adoptAll(h);
        expect((await h.monitor.runCheck()).status).to.equal("in_sync");
        for (const n of NAMES) h.gh.setSecret(REPO, n, rand(30));
        const r = await h.monitor.runCheck();
        expect(r.counts.tampered).to.equal(NAMES.length);
        expect(r.exposures).to.deep.equal([]);
        expect(exposureAlerts(h)).to.deep.equal([]);
        expect(await exposureMetric(h)).to.equal(0);
        const logs = h.logs.join("");
        expect(logs).not.to.contain("[REDACTED:");
        // The names reach the logs operators read, unmasked, in structured fields and in alert summaries.
        for (const n of NAMES) {
            expect(logs).to.contain(`"secret":"${n}"`);
            expect(logs).to.contain(`GitHub secret ${n} in repo acme/api is tampered`);
        }
        // And the alerts carry them too.
        const drift = h.am.posted.filter((a) => a.labels.alertname === "SecretSyncDrift").map((a) => a.labels.secret);
        expect(drift).to.include.members(NAMES);
    });

    it("raises an exposure for a real credential in an ESC plain value and resolves it once the value is gone", async () => {
        const leaked = makeGithubToken("ghp", rand(30));
        const h = await world.start({
            config: config(),
            values: values({ notes: { plain: `ci token ${leaked}` } }),
            secrets: KEYS,
            seed: seedAcme,
        });
        const first = await h.monitor.runCheck();
        expect(first.exposures).to.deep.equal([{ rule: "github-pat", source: "esc", location: "notes.plain" }]);
        expect(await exposureMetric(h)).to.equal(1);
        const firing = exposureAlerts(h);
        expect(firing).to.have.length(1);
        expect(firing[0].labels).to.include({ target: "esc:notes.plain", rule: "github-pat", severity: "critical" });
        expect(Date.parse(firing[0].endsAt!)).to.be.greaterThan(h.clock.now());
        // Still there at the next check: still firing, same alert.
        await h.monitor.runCheck();
        expect(Date.parse(exposureAlerts(h).at(-1)!.endsAt!)).to.be.greaterThan(h.clock.now());
        // The plain value is removed in a new ESC revision: the alert is resolved with endsAt = now, the metric drops.
        h.esc.setEnvironment("sophia/platform/prod", values({ notes: { plain: "nothing here" } }), KEYS);
        h.clock.advance(60_000);
        const fixed = await h.monitor.runCheck();
        expect(fixed.exposures).to.deep.equal([]);
        expect(await exposureMetric(h)).to.equal(0);
        const resolved = exposureAlerts(h).at(-1)!;
        expect(resolved.labels.target).to.equal("esc:notes.plain");
        expect(Date.parse(resolved.endsAt!)).to.equal(h.clock.now());
        expect(h.monitor.alerts().some((a) => a.labels.alertname === "SecretExposure")).to.equal(false);
        expect(JSON.stringify(h.am.posted)).not.to.contain(leaked);
    });

    it("raises an exposure for a credential in a log line, masks it, and resolves it when it is not seen again", async () => {
        const h = await world.start({ config: config(), values: values(), secrets: KEYS, seed: seedAcme });
        const leaked = `xoxb-${"1234567890"}-${"2345678901"}-${rand(24)}`;
        const apiKey = rand(32);
        // An upstream error echoing a Slack token in free text, and a credential under a credential-like field name.
        h.logger.warn({ err: `webhook rejected ${leaked}`, target: "SOPHIA_NPM_TOKEN" }, "upstream error");
        h.logger.warn({ apiKey }, "debug dump");
        const r = await h.monitor.runCheck();
        expect(r.exposures.map((e) => `${e.source}:${e.rule}`).sort()).to.deep.equal([
            "log:generic-api-key",
            "log:slack-bot-token",
        ]);
        expect(exposureAlerts(h).map((a) => a.labels.rule)).to.have.members(["slack-bot-token", "generic-api-key"]);
        const logs = h.logs.join("");
        expect(logs).not.to.contain(leaked);
        expect(logs).not.to.contain(apiKey);
        expect(logs).to.contain("[REDACTED:slack-bot-token]");
        expect(logs).to.contain('"target":"SOPHIA_NPM_TOKEN"');
        // Nothing leaks again: the next check resolves both.
        h.clock.advance(60_000);
        const next = await h.monitor.runCheck();
        expect(next.exposures).to.deep.equal([]);
        expect(await exposureMetric(h)).to.equal(0);
        const last = exposureAlerts(h).slice(-2);
        for (const a of last) expect(Date.parse(a.endsAt!)).to.equal(h.clock.now());
    });
});
