import { expect } from "chai";
import * as path from "path";
import { parse } from "yaml";
import { DEFAULT_TIERS, resolveTierSpec } from "../../../components/tiers";
import {
    installMocks,
    isSecretValue,
    promiseOf,
    recorded,
    RecordedResource,
    resourceNamed,
    resourcesOf,
    settled,
    unwrap,
} from "../../support/pulumiMocks";
import { runTool, tempDir, writeYamlFiles } from "./tools";

const SERVICE = "docker:index/service:Service";
const CONFIG = "docker:index/serviceConfig:ServiceConfig";
const SECRET = "docker:index/secret:Secret";
const VOLUME = "docker:index/volume:Volume";

const medium = resolveTierSpec("medium", DEFAULT_TIERS.medium, "tiers.medium");
const low = resolveTierSpec("low", DEFAULT_TIERS.low, "tiers.low");

const SLACK_URL = "https://hooks.slack.example/services/T000/B000/very-secret-token";
const SMTP_PASSWORD = "smtp-pa55word-secret";
const GRAFANA_PASSWORD = "grafana-admin-secret";
const REDIS_PASSWORD = "redis-secret-pw";
const PG_PASSWORD = "pg-secret-pw";

const decode = (b64: string) => Buffer.from(b64, "base64").toString("utf8");

/** The Docker service named `name` (by its Docker name). */
function service(name: string): Record<string, any> {
    const found = resourcesOf(SERVICE).filter((r) => unwrap(r.inputs).name === name);
    expect(found, `docker service ${name}`).to.have.length(1);
    return unwrap(found[0].inputs);
}

/** Config files mounted into a service: container path -> decoded content. */
function mountedConfigs(svc: Record<string, any>): Record<string, string> {
    // Configs are autonamed: the mocks name them `<resource name>-abc1234`, as the provider would with its own suffix.
    const configs = resourcesOf(CONFIG).map((r) => ({ ...unwrap(r.inputs), name: `${r.name}-abc1234` }));
    return Object.fromEntries(
        (svc.taskSpec.containerSpec.configs ?? []).map((c: any) => {
            const cfg = configs.find((x) => x.name === c.configName);
            expect(cfg, `config ${c.configName}`).to.not.equal(undefined);
            return [c.fileName, decode(cfg!.data)];
        }),
    );
}

/** Secrets mounted into a service: container path -> { raw recorded Secret, decoded value, mount }. */
function mountedSecrets(
    svc: Record<string, any>,
): Record<string, { resource: RecordedResource; value: string; mount: any }> {
    return Object.fromEntries(
        (svc.taskSpec.containerSpec.secrets ?? []).map((m: any) => {
            const res = resourcesOf(SECRET).find((r) => `${r.name}-abc1234` === m.secretName);
            expect(res, `secret ${m.secretName}`).to.not.equal(undefined);
            return [m.fileName, { resource: res!, value: decode(unwrap(res!.inputs.data)), mount: m }];
        }),
    );
}

describe("MonitoringStack", function () {
    this.timeout(60000);
    let mod: typeof import("../../../components/monitoring/monitoringStack");
    before(async () => {
        await installMocks();
        mod = await import("../../../components/monitoring/monitoringStack");
    });

    describe("a production-like stack (vip, ingress, Slack and email, every exporter)", () => {
        let stack: InstanceType<typeof mod.MonitoringStack>;
        let before_: number;
        before(async () => {
            before_ = recorded.length;
            stack = new mod.MonitoringStack("mon", {
                networks: ["net-id"],
                targets: [
                    { job: "chat-cache", serviceName: "chat-cache", port: 8080 },
                    { job: "sync-monitor", serviceName: "sync-monitor", port: 9464, path: "/metrics" },
                ],
                stack: "prod",
                resources: mod.monitoringResources({ medium, low }),
                publish: { grafana: 3000 },
                grafanaAdminPassword: GRAFANA_PASSWORD,
                redis: { serviceName: "redis", password: REDIS_PASSWORD },
                postgres: { serviceName: "postgres", user: "sophia", database: "sophia", password: PG_PASSWORD },
                slack: { channel: "#sophia-alerts", webhookUrl: SLACK_URL },
                email: {
                    to: "oncall@example.com",
                    from: "alerts@example.com",
                    smarthost: "smtp.example.com:587",
                    username: "alerts",
                    password: SMTP_PASSWORD,
                },
            });
            await settled();
        });

        it("creates the seven services", () => {
            const names = resourcesOf(SERVICE)
                .slice()
                .map((r) => unwrap(r.inputs).name);
            for (const n of [
                "prometheus",
                "alertmanager",
                "grafana",
                "node-exporter",
                "cadvisor",
                "redis-exporter",
                "postgres-exporter",
            ]) {
                expect(names, n).to.include(n);
            }
            expect(recorded.length).to.be.greaterThan(before_);
        });

        it("runs Prometheus on a manager with 30d / 10GB retention on a named volume, stop-first, medium tier", () => {
            const p = service("prometheus");
            expect(p.taskSpec.containerSpec.args).to.include.members([
                "--storage.tsdb.retention.time=30d",
                "--storage.tsdb.retention.size=10GB",
                "--storage.tsdb.path=/prometheus",
                "--config.file=/etc/prometheus/prometheus.yml",
            ]);
            expect(p.taskSpec.placement.constraints).to.deep.equal(["node.role==manager"]);
            expect(p.taskSpec.containerSpec.mounts).to.deep.include({
                type: "volume",
                target: "/prometheus",
                source: "prometheus-data",
                readOnly: false,
            });
            expect(unwrap(resourceNamed(VOLUME, "mon-prometheus-data").inputs).name).to.equal("prometheus-data");
            expect(p.updateConfig.order).to.equal("stop-first");
            expect(p.taskSpec.resources.limits).to.deep.equal({ nanoCpus: 1e9, memoryBytes: 2 * 1024 ** 3 });
            expect(p.taskSpec.containerSpec.image).to.match(/^prom\/prometheus:v\d+\.\d+\.\d+$/);
        });

        it("ships prometheus.yml and every rule file as autonamed configs that pass `promtool check config` as mounted", () => {
            const files = mountedConfigs(service("prometheus"));
            const promYml = parse(files["/etc/prometheus/prometheus.yml"]);
            expect(promYml.rule_files.length).to.be.greaterThan(3);
            const tmp = tempDir("sophia-mounted-");
            try {
                writeYamlFiles(
                    tmp.dir,
                    Object.fromEntries(
                        Object.entries(files).map(([p, data]) => [path.relative("/etc/prometheus", p), data]),
                    ),
                );
                const r = runTool("promtool", ["check", "config", "--lint-fatal", "prometheus.yml"], tmp.dir);
                expect(r.status, r.output).to.equal(0);
            } finally {
                tmp.remove();
            }
            // Autonamed, so a content change creates the new config before deleting the one in use.
            const configs = resourcesOf(CONFIG, "mon-prometheus-config-");
            expect(configs.length).to.be.greaterThan(3);
            for (const r of configs) {
                expect(unwrap(r.inputs)).to.not.have.property("name");
            }
        });

        it("scrapes every task of every service through tasks.<service>, the stack's exporters included", () => {
            const promYml = parse(mountedConfigs(service("prometheus"))["/etc/prometheus/prometheus.yml"]);
            const jobs = Object.fromEntries(
                promYml.scrape_configs.map((s: any) => [s.job_name, s.dns_sd_configs?.[0]]),
            );
            expect(jobs["chat-cache"]).to.deep.equal({
                names: ["tasks.chat-cache"],
                type: "A",
                port: 8080,
                refresh_interval: "30s",
            });
            expect(jobs["sync-monitor"].names).to.deep.equal(["tasks.sync-monitor"]);
            expect(jobs["redis"]).to.include({ port: 9121 });
            expect(jobs["redis"].names).to.deep.equal(["tasks.redis-exporter"]);
            expect(jobs["postgres"].names).to.deep.equal(["tasks.postgres-exporter"]);
            expect(jobs["node-exporter"].names).to.deep.equal(["tasks.node-exporter"]);
            expect(jobs["cadvisor"].names).to.deep.equal(["tasks.cadvisor"]);
            expect(jobs["alertmanager"].names).to.deep.equal(["tasks.alertmanager"]);
            expect(jobs["grafana"].names).to.deep.equal(["tasks.grafana"]);
            expect(promYml.global.external_labels.stack).to.equal("prod");
            const rules = parse(mountedConfigs(service("prometheus"))["/etc/prometheus/rules/availability.yml"]);
            const missing = rules.groups[0].rules.find((r: any) => r.alert === "ServiceTargetsMissing");
            for (const job of [
                "chat-cache",
                "sync-monitor",
                "redis",
                "postgres",
                "node-exporter",
                "cadvisor",
                "alertmanager",
                "grafana",
                "prometheus",
            ]) {
                expect(missing.expr).to.contain(`absent(up{service="${job}"})`);
            }
        });

        it("configures Alertmanager with receiver secrets only as files readable by its user", async () => {
            const am = service("alertmanager");
            expect(am.taskSpec.containerSpec.args).to.include("--cluster.listen-address=");
            const secrets = mountedSecrets(am);
            expect(secrets["/run/secrets/slack_webhook_url"].value).to.equal(SLACK_URL);
            expect(secrets["/run/secrets/smtp_password"].value).to.equal(SMTP_PASSWORD);
            expect(secrets["/run/secrets/smtp_password"].mount).to.include({ fileUid: "65534", fileMode: 0o400 });
            for (const s of Object.values(secrets)) {
                expect(isSecretValue(s.resource.inputs.data), "secret data is marked secret").to.equal(true);
            }
            const yml = mountedConfigs(am)["/etc/alertmanager/alertmanager.yml"];
            const tmp = tempDir("sophia-am-mounted-");
            try {
                writeYamlFiles(tmp.dir, { "alertmanager.yml": yml });
                const r = runTool("amtool", ["check-config", "alertmanager.yml"], tmp.dir);
                expect(r.status, r.output).to.equal(0);
            } finally {
                tmp.remove();
            }
            const parsed = parse(yml);
            expect(parsed.receivers.find((r: any) => r.name === "critical").slack_configs[0].api_url_file).to.equal(
                "/run/secrets/slack_webhook_url",
            );
            expect(await promiseOf(stack.alertmanagerUrl)).to.equal("http://alertmanager:9093");
        });

        it("never puts a secret value anywhere but a Docker secret", () => {
            const plain = JSON.stringify(
                recorded
                    .filter((r) => r.type !== SECRET)
                    .map((r) => ({
                        ...unwrap(r.inputs),
                        // Configs are base64: decode them too.
                        ...(r.type === CONFIG ? { decoded: decode(unwrap(r.inputs).data) } : {}),
                    })),
            );
            for (const s of [SLACK_URL, SMTP_PASSWORD, GRAFANA_PASSWORD, REDIS_PASSWORD, PG_PASSWORD]) {
                expect(plain, s).to.not.contain(s);
            }
        });

        it("provisions Grafana: admin password file, datasource and dashboards, no plugin installs", () => {
            const g = service("grafana");
            const env = g.taskSpec.containerSpec.env;
            expect(env.GF_SECURITY_ADMIN_PASSWORD__FILE).to.equal("/run/secrets/grafana_admin_password");
            expect(env).to.not.have.property("GF_INSTALL_PLUGINS");
            expect(env).to.not.have.property("GF_SECURITY_ADMIN_PASSWORD");
            const secret = mountedSecrets(g)["/run/secrets/grafana_admin_password"];
            expect(secret.value).to.equal(GRAFANA_PASSWORD);
            expect(secret.mount.fileUid).to.equal("472");
            const files = mountedConfigs(g);
            const ds = parse(files["/etc/grafana/provisioning/datasources/sophia.yml"]).datasources[0];
            expect(ds).to.include({ url: "http://prometheus:9090", type: "prometheus" });
            const dashFiles = Object.keys(files).filter((f) => f.startsWith("/etc/grafana/dashboards/"));
            expect(dashFiles).to.have.length(5);
            for (const f of dashFiles) {
                const d = JSON.parse(files[f]);
                for (const p of d.panels.filter((x: any) => x.type !== "row")) {
                    expect(p.datasource.uid, `${f} ${p.title}`).to.equal(ds.uid);
                }
            }
            expect(g.endpointSpec.ports).to.deep.equal([
                { targetPort: 3000, publishedPort: 3000, publishMode: "ingress", protocol: "tcp" },
            ]);
            expect(stack.publishedPorts).to.deep.equal({ grafana: 3000 });
        });

        it("runs node-exporter and cAdvisor as global services without convergeConfig", () => {
            for (const n of ["node-exporter", "cadvisor"]) {
                const s = service(n);
                expect(s.mode, n).to.deep.equal({ global: true });
                expect(s.convergeConfig, n).to.equal(undefined);
            }
            const ne = service("node-exporter").taskSpec.containerSpec;
            expect(ne.hostname).to.equal("{{.Node.ID}}");
            expect(ne.mounts).to.deep.include({ type: "bind", source: "/", target: "/rootfs", readOnly: true });
            expect(ne.args).to.include("--path.rootfs=/rootfs");
            expect(service("cadvisor").taskSpec.containerSpec.mounts.every((m: any) => m.readOnly)).to.equal(true);
        });

        it("runs every service on a read-only root filesystem with all capabilities dropped, as its image's user", () => {
            const expected: Record<string, { user: string | undefined; caps: string[] | undefined }> = {
                prometheus: { user: "65534:65534", caps: undefined },
                alertmanager: { user: "65534:65534", caps: undefined },
                grafana: { user: "472", caps: undefined },
                "node-exporter": { user: "65534:65534", caps: undefined },
                // The one root service, with the two capabilities it needs to read other containers' state.
                cadvisor: { user: undefined, caps: ["CAP_SYS_PTRACE", "CAP_DAC_READ_SEARCH"] },
                "redis-exporter": { user: "59000:59000", caps: undefined },
                "postgres-exporter": { user: "65534:65534", caps: undefined },
            };
            for (const [name, want] of Object.entries(expected)) {
                const cs = service(name).taskSpec.containerSpec;
                expect(cs.readOnly, `${name} readOnly`).to.equal(true);
                expect(cs.capDrops, `${name} capDrops`).to.deep.equal(["ALL"]);
                expect(cs.capAdds, `${name} capAdds`).to.deep.equal(want.caps);
                expect(cs.user, `${name} user`).to.equal(want.user);
            }
            // Grafana writes SQLite temp files to a bounded /tmp and logs only to the console.
            const grafana = service("grafana").taskSpec.containerSpec;
            expect(grafana.mounts).to.deep.include({
                type: "tmpfs",
                target: "/tmp",
                readOnly: false,
                tmpfsOptions: { sizeBytes: 64 * 1024 * 1024 },
            });
            expect(grafana.env.GF_LOG_MODE).to.equal("console");
        });

        it("gives the exporters their passwords as files in the format each reads", () => {
            const r = service("redis-exporter");
            expect(r.taskSpec.containerSpec.env).to.deep.equal({
                REDIS_ADDR: "redis://redis:6379",
                REDIS_PASSWORD_FILE: "/run/secrets/redis_passwords.json",
            });
            expect(JSON.parse(mountedSecrets(r)["/run/secrets/redis_passwords.json"].value)).to.deep.equal({
                "redis://redis:6379": REDIS_PASSWORD,
            });
            const p = service("postgres-exporter");
            expect(p.taskSpec.containerSpec.env).to.deep.equal({
                DATA_SOURCE_URI: "postgres:5432/sophia?sslmode=disable",
                DATA_SOURCE_USER: "sophia",
                DATA_SOURCE_PASS_FILE: "/run/secrets/postgres_password",
            });
            expect(mountedSecrets(p)["/run/secrets/postgres_password"].value).to.equal(PG_PASSWORD);
        });

        it("exposes the internal URLs", async () => {
            expect(await promiseOf(stack.prometheusUrl)).to.equal("http://prometheus:9090");
            expect(await promiseOf(stack.grafanaUrl!)).to.equal("http://grafana:3000");
        });
    });

    describe("a dev-like stack (dnsrr, host ports, no Grafana, no cAdvisor, no receivers)", () => {
        let stack: InstanceType<typeof mod.MonitoringStack>;
        before(async () => {
            stack = new mod.MonitoringStack("devmon", {
                networks: ["net-id"],
                targets: [{ job: "chat-cache", serviceName: "dev-chat-cache", port: 8080 }],
                stack: "dev",
                namePrefix: "dev-",
                resources: mod.monitoringResources({ medium, low }),
                endpointMode: "dnsrr",
                publishMode: "host",
                publish: { prometheus: 19090, alertmanager: 19093, grafana: 13000 },
                enableGrafana: false,
                enableCadvisor: false,
                converge: false,
            });
            await settled();
        });

        it("leaves Grafana and cAdvisor out, and out of the scrape config", () => {
            const names = resourcesOf(SERVICE).map((r) => unwrap(r.inputs).name);
            expect(names).to.not.include("dev-grafana");
            expect(names).to.not.include("dev-cadvisor");
            expect(stack.grafanaUrl).to.equal(undefined);
            const promYml = parse(mountedConfigs(service("dev-prometheus"))["/etc/prometheus/prometheus.yml"]);
            expect(promYml.scrape_configs.map((s: any) => s.job_name)).to.deep.equal([
                "prometheus",
                "chat-cache",
                "alertmanager",
                "node-exporter",
            ]);
        });

        it("uses dnsrr with host-mode ports and publishes only what runs", () => {
            const p = service("dev-prometheus");
            expect(p.endpointSpec).to.deep.equal({
                mode: "dnsrr",
                ports: [{ targetPort: 9090, publishedPort: 19090, publishMode: "host", protocol: "tcp" }],
            });
            expect(stack.publishedPorts).to.deep.equal({ prometheus: 19090, alertmanager: 19093 });
        });

        it("runs Alertmanager without receiver secrets", () => {
            const am = service("dev-alertmanager");
            expect(am.taskSpec.containerSpec.secrets).to.equal(undefined);
            const yml = parse(mountedConfigs(am)["/etc/alertmanager/alertmanager.yml"]);
            expect(yml.receivers.map((r: any) => Object.keys(r))).to.deep.equal([["name"], ["name"], ["name"]]);
        });
    });

    describe("with the overlay prober on a plain 9000 and an encrypted 1500 network", () => {
        before(async () => {
            new mod.MonitoringStack("probemon", {
                networks: ["data-id", "edge-id"],
                targets: [],
                stack: "prod",
                namePrefix: "pm-",
                resources: mod.monitoringResources({ medium, low }),
                enableGrafana: false,
                overlayProbe: {
                    image: "sophia/overlay-probe@sha256:" + "ab".repeat(32),
                    networks: [
                        { name: "data", id: "data-id", mtu: 9000, encrypted: false },
                        { name: "edge", id: "edge-id", mtu: 1500, encrypted: true },
                    ],
                },
            });
            await settled();
        });

        it("runs one global dnsrr service per network, attached to that network only", () => {
            const data = service("pm-overlay-probe-data");
            expect(data.mode).to.deep.equal({ global: true });
            expect(data.endpointSpec.mode).to.equal("dnsrr");
            expect(data.taskSpec.networksAdvanceds.map((n: any) => n.id)).to.deep.equal(["data-id"]);
            expect(service("pm-overlay-probe-edge").taskSpec.networksAdvanceds.map((n: any) => n.id)).to.deep.equal([
                "edge-id",
            ]);
        });

        it("sizes the full probe to each network's container MTU and names peers by tasks.<service>", () => {
            const env = (name: string) => service(name).taskSpec.containerSpec.env;
            expect(env("pm-overlay-probe-data")).to.include({
                OVERLAY_PROBE_NETWORK: "data",
                OVERLAY_PROBE_NODE: "{{.Node.ID}}",
                OVERLAY_PROBE_PEERS: "tasks.pm-overlay-probe-data",
                OVERLAY_PROBE_FULL_BYTES: "8950",
                OVERLAY_PROBE_PLANNED_MTU: "9000",
            });
            expect(env("pm-overlay-probe-edge")).to.include({
                OVERLAY_PROBE_FULL_BYTES: "1424",
                OVERLAY_PROBE_PLANNED_MTU: "1500",
            });
        });

        it("runs it as uid 1000, read-only, with no capability added, a healthcheck and the low tier", () => {
            const spec = service("pm-overlay-probe-data").taskSpec;
            expect(spec.containerSpec.user).to.equal("1000:1000");
            expect(spec.containerSpec.readOnly).to.equal(true);
            expect(spec.containerSpec.capAdds).to.equal(undefined);
            expect(spec.containerSpec.healthcheck.tests.join(" ")).to.include("/healthz");
            expect(spec.resources.limits).to.deep.equal({
                nanoCpus: low.limits.nanoCpus,
                memoryBytes: low.limits.memoryBytes,
            });
        });

        it("scrapes each network's prober as its own job and expects its targets", () => {
            const promYml = parse(mountedConfigs(service("pm-prometheus"))["/etc/prometheus/prometheus.yml"]);
            const jobs = promYml.scrape_configs.filter((s: any) => s.job_name.startsWith("overlay-probe-"));
            expect(
                jobs.map((j: any) => [j.job_name, j.dns_sd_configs[0].names[0], j.dns_sd_configs[0].port]),
            ).to.deep.equal([
                ["overlay-probe-data", "tasks.pm-overlay-probe-data", 9465],
                ["overlay-probe-edge", "tasks.pm-overlay-probe-edge", 9465],
            ]);
        });
    });

    describe("#validateMonitoringStackArgs", () => {
        const base = () => ({
            networks: ["n"],
            targets: [],
            resources: mod.monitoringResources({ medium, low }),
            grafanaAdminPassword: "x",
        });
        it("requires a Grafana admin password while Grafana runs", () => {
            expect(() => mod.validateMonitoringStackArgs({ ...base(), grafanaAdminPassword: undefined })).to.throw(
                /`grafanaAdminPassword` is required/,
            );
            expect(() =>
                mod.validateMonitoringStackArgs({ ...base(), grafanaAdminPassword: undefined, enableGrafana: false }),
            ).to.not.throw();
        });
        it("rejects bad retention values, naming the field", () => {
            expect(() => mod.validateMonitoringStackArgs({ ...base(), retentionTime: "30 days" })).to.throw(
                /`retentionTime`/,
            );
            expect(() => mod.validateMonitoringStackArgs({ ...base(), retentionSize: "10G" })).to.throw(
                /`retentionSize`/,
            );
        });
        it("rejects a target that takes a job name the stack uses itself", () => {
            expect(() =>
                mod.validateMonitoringStackArgs({
                    ...base(),
                    targets: [{ job: "redis", serviceName: "redis", port: 6379 }],
                }),
            ).to.throw(/job "redis" is reserved/);
        });
        it("makes the constructor fail with the same message, tied to the component", () => {
            expect(() => new mod.MonitoringStack("bad", { ...base(), retentionTime: "forever" })).to.throw(
                /`retentionTime` must be a Prometheus duration/,
            );
        });
        it("rejects overlay network names that cannot name a prober service", () => {
            const probe = (name: string) => ({
                ...base(),
                overlayProbe: { image: "i", networks: [{ name, id: "x", mtu: 1500, encrypted: true }] },
            });
            expect(() => mod.validateMonitoringStackArgs(probe("a.b"))).to.throw(
                /overlay network "a.b" cannot name its prober service/,
            );
            expect(() => mod.validateMonitoringStackArgs(probe("n".repeat(50)))).to.throw(
                /Docker allows 63\); shorten the network name/,
            );
        });
        it("rejects an SMTP password without a username", () => {
            expect(() =>
                mod.validateMonitoringStackArgs({
                    ...base(),
                    email: { to: "a@b.c", from: "x@y.z", smarthost: "h:25", password: "p" },
                }),
            ).to.throw(/`email.password` needs `email.username`/);
        });
    });
});
