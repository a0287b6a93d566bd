import { expect } from "chai";
import { ChildProcess, spawn } from "child_process";
import {
    buildAlertmanagerConfig,
    EMAIL_SUBJECT,
    INHIBIT_RULES,
    RECEIVERS,
    ROUTE_TIMING,
    SLACK_TEXT,
    SLACK_TITLE,
} from "../../../components/monitoring/alertmanagerConfig";
import { freePort, waitReady } from "./daemon";
import { runTool, tempDir, writeYamlFiles } from "./tools";

const full = buildAlertmanagerConfig({
    slack: { channel: "#sophia-alerts", apiUrlFile: "/run/secrets/slack_webhook_url" },
    email: {
        to: "oncall@example.com",
        from: "alerts@example.com",
        smarthost: "smtp.example.com:587",
        username: "alerts",
        passwordFile: "/run/secrets/smtp_password",
    },
});

/** The first route a label set reaches, per `amtool config routes test`. */
function routeOf(file: string, dir: string, labels: Record<string, string>): string {
    const r = runTool(
        "amtool",
        ["config", "routes", "test", `--config.file=${file}`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)],
        dir,
    );
    expect(r.status, r.output).to.equal(0);
    return r.stdout.trim();
}

/** Alertmanager's matcher semantics for the `name="v"`, `name!="v"` and `name=~"re"` forms we use. */
function matches(matcher: string, labels: Record<string, string>): boolean {
    const m = /^([a-z_]+)(=~|!=|=)"(.*)"$/.exec(matcher);
    if (!m) throw new Error(`unexpected matcher ${matcher}`);
    const value = labels[m[1]] ?? "";
    if (m[2] === "=") return value === m[3];
    if (m[2] === "!=") return value !== m[3];
    return new RegExp(`^(?:${m[3]})$`).test(value);
}

/** True when `source` inhibits `target` under the configured rules (structural check of our own rules). */
function inhibits(source: Record<string, string>, target: Record<string, string>): boolean {
    return INHIBIT_RULES.some(
        (r) =>
            r.source_matchers.every((m) => matches(m, source)) &&
            r.target_matchers.every((m) => matches(m, target)) &&
            r.equal.every((l) => (source[l] ?? "") === (target[l] ?? "")),
    );
}

/**
 * Alertmanager computes inhibition asynchronously after a POST; poll (up to 10 s) until the answer equals what the
 * test expects or stops changing, and return the last answer for the assertion.
 */
async function settled<T>(get: () => Promise<T>, expected: T): Promise<T> {
    const deadline = Date.now() + 10_000;
    let last = await get();
    while (JSON.stringify(last) !== JSON.stringify(expected) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        last = await get();
    }
    return last;
}

describe("buildAlertmanagerConfig", function () {
    this.timeout(60000);
    let tmp: { dir: string; remove: () => void };
    before(() => {
        tmp = tempDir("sophia-am-");
        writeYamlFiles(tmp.dir, { "full.yml": full, "none.yml": buildAlertmanagerConfig({}) });
    });
    after(() => tmp.remove());

    it("passes `amtool check-config` with Slack and email, and with no receivers at all", () => {
        for (const f of ["full.yml", "none.yml"]) {
            const r = runTool("amtool", ["check-config", f], tmp.dir);
            expect(r.status, r.output).to.equal(0);
        }
        expect(runTool("amtool", ["check-config", "full.yml"], tmp.dir).output).to.contain(
            `${INHIBIT_RULES.length} inhibit rules`,
        );
    });

    it("reads the Slack URL and SMTP password only from secret files", () => {
        const text = JSON.stringify(full);
        expect(text).to.not.match(/"api_url"|"auth_password"/);
        const critical = full.receivers.find((r) => r.name === RECEIVERS.critical)!;
        expect(critical.slack_configs?.[0].api_url_file).to.equal("/run/secrets/slack_webhook_url");
        expect(critical.email_configs?.[0].auth_password_file).to.equal("/run/secrets/smtp_password");
        expect(() =>
            buildAlertmanagerConfig({ email: { to: "a@b.c", from: "x@y.z", smarthost: "h:25", passwordFile: "/p" } }),
        ).to.throw(/`passwordFile` needs `username`/);
    });

    it("groups by alertname/service with a 30s wait, 5m cooldown and 4h repeat; critical waits 10s", () => {
        expect(full.route.group_by).to.deep.equal(["alertname", "service"]);
        expect(full.route.group_wait).to.equal("30s");
        expect(full.route.group_interval).to.equal("5m");
        expect(full.route.repeat_interval).to.equal("4h");
        const critical = full.route.routes!.find((r) => r.receiver === RECEIVERS.critical)!;
        expect(critical.group_wait).to.equal(ROUTE_TIMING.criticalGroupWait);
        expect(parseInt(ROUTE_TIMING.criticalGroupWait, 10)).to.be.at.most(10);
    });

    it("routes by severity, and the sync-monitor's own alerts the same way (amtool config routes test)", () => {
        expect(
            routeOf("full.yml", tmp.dir, { alertname: "ServiceDown", severity: "critical", service: "chat-cache" }),
        ).to.equal(RECEIVERS.critical);
        expect(
            routeOf("full.yml", tmp.dir, { alertname: "TargetDown", severity: "warning", service: "chat-cache" }),
        ).to.equal(RECEIVERS.default);
        expect(routeOf("full.yml", tmp.dir, { alertname: "Whatever", severity: "info" })).to.equal(RECEIVERS.blackhole);
        expect(
            routeOf("full.yml", tmp.dir, { alertname: "SecretExposure", severity: "critical", secret: "-" }),
        ).to.equal(RECEIVERS.critical);
        expect(
            routeOf("full.yml", tmp.dir, { alertname: "SecretSyncDrift", severity: "warning", secret: "A" }),
        ).to.equal(RECEIVERS.default);
    });

    it("sends warnings to Slack, critical alerts to Slack and email, and falls back to email without Slack", () => {
        const recv = (name: string, cfg = full) => cfg.receivers.find((r) => r.name === name)!;
        expect(recv(RECEIVERS.default).slack_configs).to.have.length(1);
        expect(recv(RECEIVERS.default).email_configs).to.equal(undefined);
        expect(recv(RECEIVERS.critical).slack_configs).to.have.length(1);
        expect(recv(RECEIVERS.critical).email_configs).to.have.length(1);
        const mailOnly = buildAlertmanagerConfig({ email: { to: "a@b.c", from: "x@y.z", smarthost: "h:25" } });
        expect(recv(RECEIVERS.default, mailOnly).email_configs).to.have.length(1);
        expect(recv(RECEIVERS.blackhole, mailOnly)).to.deep.equal({ name: RECEIVERS.blackhole });
    });

    it("uses notification templates that Alertmanager can execute (amtool template render)", () => {
        writeYamlFiles(tmp.dir, { "empty.tmpl": '{{ define "sophia.unused" }}{{ end }}' });
        const render = (text: string) =>
            runTool(
                "amtool",
                ["template", "render", `--template.glob=${tmp.dir}/empty.tmpl`, `--template.text=${text}`],
                tmp.dir,
            );
        for (const t of [SLACK_TITLE, SLACK_TEXT, EMAIL_SUBJECT]) {
            const r = render(t);
            expect(r.status, `${t}\n${r.output}`).to.equal(0);
        }
        expect(
            render("{{ .CommonLabels.alertname }} {{ .NoSuchField }}").status,
            "a broken template must fail",
        ).to.not.equal(0);
    });

    describe("inhibit_rules (structure)", () => {
        it("Redis down inhibits the chat-cache hit-ratio drop and the circuit alert, not unrelated alerts", () => {
            const redisDown = { alertname: "RedisDown", service: "redis", severity: "critical" };
            expect(
                inhibits(redisDown, {
                    alertname: "ChatCacheHitRatioAnomaly",
                    service: "chat-cache",
                    severity: "warning",
                }),
            ).to.equal(true);
            expect(
                inhibits(redisDown, {
                    alertname: "ChatCacheRedisCircuitOpen",
                    service: "chat-cache",
                    severity: "warning",
                }),
            ).to.equal(true);
            expect(
                inhibits(redisDown, { alertname: "ServiceHighErrorRatio", service: "chat-cache", severity: "warning" }),
            ).to.equal(false);
            expect(
                inhibits(
                    { ...redisDown, stack: "prod" },
                    { alertname: "ChatCacheHitRatioAnomaly", service: "chat-cache", stack: "dev" },
                ),
            ).to.equal(false);
        });
        it("node down inhibits everything carrying that node, nothing on other nodes, and never itself", () => {
            const nodeDown = { alertname: "NodeDown", node: "n1", severity: "critical" };
            expect(inhibits(nodeDown, { alertname: "NodeFilesystemExhaustionPredicted", node: "n1" })).to.equal(true);
            expect(
                inhibits(nodeDown, {
                    alertname: "ContainerMemoryExhaustionPredicted",
                    node: "n1",
                    service: "chat-cache",
                }),
            ).to.equal(true);
            expect(inhibits(nodeDown, { alertname: "NodeMemoryExhaustionPredicted", node: "n2" })).to.equal(false);
            expect(inhibits(nodeDown, { alertname: "ServiceDown", service: "chat-cache" })).to.equal(false);
            expect(inhibits(nodeDown, { alertname: "NodeDown", node: "n1" })).to.equal(false);
        });
        it("a service being down inhibits its own symptoms only", () => {
            const down = { alertname: "ServiceDown", service: "chat-cache", severity: "critical" };
            expect(
                inhibits(down, { alertname: "TargetDown", service: "chat-cache", instance: "10.0.0.2:8080" }),
            ).to.equal(true);
            expect(inhibits(down, { alertname: "LatencyAnomaly", service: "chat-cache" })).to.equal(true);
            expect(inhibits(down, { alertname: "TargetDown", service: "sync-monitor" })).to.equal(false);
        });
        it("Postgres down inhibits connection alerts; critical platform health inhibits the degraded one", () => {
            expect(
                inhibits(
                    { alertname: "PostgresDown", service: "postgres" },
                    { alertname: "PostgresConnectionsAnomaly", service: "postgres" },
                ),
            ).to.equal(true);
            expect(
                inhibits(
                    { alertname: "PlatformHealthCritical", severity: "critical" },
                    { alertname: "PlatformHealthDegraded", severity: "warning" },
                ),
            ).to.equal(true);
        });
        it("a critical alert inhibits the warning of the same alert and object only", () => {
            expect(
                inhibits(
                    { alertname: "SecretSyncDrift", severity: "critical", secret: "A", target: "repo:x" },
                    { alertname: "SecretSyncDrift", severity: "warning", secret: "A", target: "repo:x" },
                ),
            ).to.equal(true);
            expect(
                inhibits(
                    { alertname: "SecretSyncDrift", severity: "critical", secret: "A", target: "repo:x" },
                    { alertname: "SecretSyncDrift", severity: "warning", secret: "B", target: "repo:x" },
                ),
            ).to.equal(false);
        });
    });

    describe("inhibition in a real Alertmanager", () => {
        let am: ChildProcess | undefined;
        let base = "";
        let amDir: { dir: string; remove: () => void };

        before(async () => {
            amDir = tempDir("sophia-am-live-");
            writeYamlFiles(amDir.dir, { "alertmanager.yml": buildAlertmanagerConfig({}) });
            const port = await freePort();
            base = `http://127.0.0.1:${port}`;
            am = spawn(
                "prometheus-alertmanager",
                [
                    `--config.file=${amDir.dir}/alertmanager.yml`,
                    `--storage.path=${amDir.dir}/data`,
                    `--web.listen-address=127.0.0.1:${port}`,
                    "--cluster.listen-address=",
                ],
                { stdio: "ignore" },
            );
            await waitReady(`${base}/-/ready`, "Alertmanager");
        });
        after(() => {
            am?.kill("SIGTERM");
            amDir.remove();
        });

        it("suppresses symptoms of Redis down and node down, and keeps unrelated alerts active", async () => {
            const endsAt = new Date(Date.now() + 3600_000).toISOString();
            const alert = (labels: Record<string, string>) => ({
                labels: { stack: "test", ...labels },
                annotations: { summary: "s" },
                endsAt,
            });
            const res = await fetch(`${base}/api/v2/alerts`, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: JSON.stringify([
                    alert({ alertname: "RedisDown", service: "redis", severity: "critical" }),
                    alert({ alertname: "ChatCacheHitRatioAnomaly", service: "chat-cache", severity: "warning" }),
                    alert({ alertname: "NodeDown", node: "n1", severity: "critical" }),
                    alert({
                        alertname: "NodeFilesystemExhaustionPredicted",
                        node: "n1",
                        mountpoint: "/",
                        severity: "warning",
                    }),
                    alert({ alertname: "NodeMemoryExhaustionPredicted", node: "n2", severity: "warning" }),
                    alert({ alertname: "ServiceHighErrorRatio", service: "chat-cache", severity: "warning" }),
                ]),
            });
            expect(res.status).to.equal(200);
            const inhibited = await settled(
                () =>
                    names(`${base}/api/v2/alerts?inhibited=true&active=false&silenced=false&filter=stack%3D%22test%22`),
                ["ChatCacheHitRatioAnomaly", "NodeFilesystemExhaustionPredicted"],
            );
            const active = await settled(
                () =>
                    names(`${base}/api/v2/alerts?inhibited=false&active=true&silenced=false&filter=stack%3D%22test%22`),
                ["NodeDown", "NodeMemoryExhaustionPredicted", "RedisDown", "ServiceHighErrorRatio"],
            );
            expect(inhibited).to.deep.equal(["ChatCacheHitRatioAnomaly", "NodeFilesystemExhaustionPredicted"]);
            expect(active).to.deep.equal([
                "NodeDown",
                "NodeMemoryExhaustionPredicted",
                "RedisDown",
                "ServiceHighErrorRatio",
            ]);
        });

        it("suppresses a down service's symptoms, Postgres connection alerts and same-alert warnings, per object", async () => {
            const endsAt = new Date(Date.now() + 3600_000).toISOString();
            // A stack label of its own keeps these apart from the previous test's alerts (every rule compares `stack`).
            const alert = (labels: Record<string, string>) => ({
                labels: { stack: "test2", ...labels },
                annotations: { summary: "s" },
                endsAt,
            });
            const res = await fetch(`${base}/api/v2/alerts`, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: JSON.stringify([
                    alert({ alertname: "ServiceDown", service: "chat-cache", severity: "critical" }),
                    alert({
                        alertname: "TargetDown",
                        service: "chat-cache",
                        instance: "10.0.0.2:8080",
                        severity: "warning",
                    }),
                    alert({
                        alertname: "TargetDown",
                        service: "sync-monitor",
                        instance: "10.0.0.3:9091",
                        severity: "warning",
                    }),
                    alert({ alertname: "PostgresDown", service: "postgres", severity: "critical" }),
                    alert({ alertname: "PostgresConnectionsNearLimit", service: "postgres", severity: "warning" }),
                    alert({ alertname: "SecretSyncDrift", secret: "A", target: "repo:x", severity: "critical" }),
                    alert({
                        alertname: "SecretSyncDrift",
                        secret: "A",
                        target: "repo:x",
                        severity: "warning",
                        drift: "stale",
                    }),
                    alert({
                        alertname: "SecretSyncDrift",
                        secret: "B",
                        target: "repo:x",
                        severity: "warning",
                        drift: "stale",
                    }),
                ]),
            });
            expect(res.status).to.equal(200);
            const key = (a: Record<string, string>) => `${a.alertname}/${a.service ?? a.secret}/${a.severity}`;
            const inhibitedKeys = await settled(
                async () =>
                    (
                        await alerts(
                            `${base}/api/v2/alerts?inhibited=true&active=false&silenced=false&filter=stack%3D%22test2%22`,
                        )
                    )
                        .map(key)
                        .sort(),
                [
                    "PostgresConnectionsNearLimit/postgres/warning",
                    "SecretSyncDrift/A/warning",
                    "TargetDown/chat-cache/warning",
                ],
            );
            expect(inhibitedKeys).to.deep.equal([
                "PostgresConnectionsNearLimit/postgres/warning",
                "SecretSyncDrift/A/warning",
                "TargetDown/chat-cache/warning",
            ]);
            const active = await alerts(
                `${base}/api/v2/alerts?inhibited=false&active=true&silenced=false&filter=stack%3D%22test2%22`,
            );
            expect(active.map((a) => `${a.alertname}/${a.service ?? a.secret}/${a.severity}`).sort()).to.deep.equal([
                "PostgresDown/postgres/critical",
                "SecretSyncDrift/A/critical",
                "SecretSyncDrift/B/warning",
                "ServiceDown/chat-cache/critical",
                "TargetDown/sync-monitor/warning",
            ]);
        });
    });
});

async function alerts(url: string): Promise<Record<string, string>[]> {
    const res = await fetch(url);
    expect(res.status).to.equal(200);
    return ((await res.json()) as { labels: Record<string, string> }[]).map((a) => a.labels);
}

async function names(url: string): Promise<string[]> {
    const res = await fetch(url);
    const body = (await res.json()) as { labels: Record<string, string> }[];
    return body.map((a) => a.labels.alertname).sort();
}
