import { expect } from "chai";
import { resolveTierSpec, DEFAULT_TIERS } from "../../components/tiers";
import { installMocks, isSecretValue, resourceNamed, resourcesOf, settled, unwrap } from "../support/pulumiMocks";

const high = resolveTierSpec("high", DEFAULT_TIERS.high, "tiers.high");

describe("SwarmService", () => {
    let mod: typeof import("../../components/swarmService");
    before(async () => {
        await installMocks();
        mod = await import("../../components/swarmService");
    });

    describe("a replicated stateless service", () => {
        let inputs: Record<string, any>;
        before(async () => {
            new mod.SwarmService("t-api", {
                serviceName: "t-api",
                image: "example/api:1.2.3",
                resources: high,
                replicas: 3,
                healthcheck: { test: ["CMD", "true"] },
                networks: ["net-a-id", "net-b-id"],
                constraints: ["node.role==worker"],
                spreadOver: ["node.labels.zone"],
                ports: [{ target: 8000, published: 18000 }],
                env: { PORT: "8000" },
                secrets: [{ key: "token", data: "s3cr3t-value", target: "/run/secrets/token" }],
                configs: [{ key: "app", data: "a: 1\n", target: "/etc/app.yaml" }],
                metrics: { port: 8000 },
            });
            await settled();
            inputs = resourceNamed("docker:index/service:Service", "t-api-service").inputs;
        });

        it("applies the tier's limits and reservations in nano-CPUs and bytes", () => {
            expect(inputs.taskSpec.resources).to.deep.equal({
                limits: { nanoCpus: 2_000_000_000, memoryBytes: 4294967296 },
                reservation: { nanoCpus: 1_000_000_000, memoryBytes: 2147483648 },
            });
        });

        it("sets the default healthcheck timings", () => {
            expect(inputs.taskSpec.containerSpec.healthcheck).to.deep.equal({
                tests: ["CMD", "true"],
                interval: "20s",
                timeout: "10s",
                retries: 3,
                startPeriod: "40s",
            });
        });

        it("rolls back failed updates, watching long enough to see failed healthchecks", () => {
            expect(inputs.updateConfig).to.deep.equal({
                parallelism: 1,
                delay: "10s",
                failureAction: "rollback",
                monitor: "1m40s",
                maxFailureRatio: "0.2",
                order: "start-first",
            });
            expect(inputs.rollbackConfig).to.include({ parallelism: 1, delay: "5s", failureAction: "pause" });
        });

        it("restarts on failure with explicit delay and window, spelled as the provider reads them back", () => {
            expect(inputs.taskSpec.restartPolicy).to.deep.equal({
                condition: "on-failure",
                delay: "5s",
                maxAttempts: 3,
                window: "2m",
            });
        });

        it("places, spreads, logs and labels the tasks", () => {
            expect(inputs.taskSpec.placement).to.deep.equal({
                constraints: ["node.role==worker"],
                prefs: ["node.labels.zone"],
            });
            expect(inputs.taskSpec.logDriver).to.deep.equal({
                name: "json-file",
                options: { "max-size": "100m", "max-file": "5" },
            });
            expect(inputs.labels).to.deep.include({ label: "sophia.tier", value: "high" });
            expect(inputs.labels).to.deep.include({ label: "sophia.service", value: "t-api" });
            expect(inputs.labels).to.deep.include({ label: "sophia.metrics.port", value: "8000" });
        });

        it("hardens the container by default: read-only root filesystem, every capability dropped, no init", () => {
            const cs = inputs.taskSpec.containerSpec;
            expect(cs.readOnly).to.equal(true);
            expect(cs.capDrops).to.deep.equal(["ALL"]);
            expect(cs).to.not.have.property("capAdds");
            expect(cs).to.not.have.property("init");
            expect(cs).to.not.have.property("user");
        });

        it("attaches networks by id, not by name", () => {
            expect(inputs.taskSpec.networksAdvanceds).to.deep.equal([{ id: "net-a-id" }, { id: "net-b-id" }]);
        });

        it("waits for convergence and publishes through the ingress by default", () => {
            expect(inputs.mode).to.deep.equal({ replicated: { replicas: 3 } });
            expect(inputs.convergeConfig).to.deep.equal({ delay: "7s", timeout: "3m" });
            expect(inputs.endpointSpec).to.deep.equal({
                mode: "vip",
                ports: [{ targetPort: 8000, publishedPort: 18000, publishMode: "ingress", protocol: "tcp" }],
            });
        });

        it("mounts secrets and configs as files from autonamed docker objects", () => {
            const secret = resourceNamed("docker:index/secret:Secret", "t-api-secret-token").inputs;
            expect(isSecretValue(secret.data)).to.equal(true);
            expect(Buffer.from(unwrap(secret.data), "base64").toString()).to.equal("s3cr3t-value");
            expect(secret).to.not.have.property("name");
            const config = resourceNamed("docker:index/serviceConfig:ServiceConfig", "t-api-config-app").inputs;
            expect(config).to.not.have.property("name");
            expect(inputs.taskSpec.containerSpec.secrets).to.deep.equal([
                {
                    secretId: "t-api-secret-token-id",
                    secretName: "t-api-secret-token-abc1234",
                    fileName: "/run/secrets/token",
                    fileMode: 0o400,
                    fileUid: "0",
                    fileGid: "0",
                },
            ]);
            expect(inputs.taskSpec.containerSpec.configs[0]).to.include({
                configId: "t-api-config-app-id",
                fileName: "/etc/app.yaml",
                fileMode: 0o444,
            });
            expect(JSON.stringify(inputs.taskSpec.containerSpec.env)).to.not.contain("s3cr3t");
        });
    });

    it("gives a changed config new data and no fixed name, so the replacement is created before the old one is deleted", async () => {
        const a = new mod.SwarmService("t-cfg-a", {
            serviceName: "t-cfg",
            image: "x/y:1",
            resources: high,
            networks: ["n"],
            configs: [{ key: "c", data: "v1", target: "/c" }],
        });
        const b = new mod.SwarmService("t-cfg-b", {
            serviceName: "t-cfg",
            image: "x/y:1",
            resources: high,
            networks: ["n"],
            configs: [{ key: "c", data: "v2", target: "/c" }],
        });
        void a;
        void b;
        await settled();
        const c1 = resourceNamed("docker:index/serviceConfig:ServiceConfig", "t-cfg-a-config-c").inputs;
        const c2 = resourceNamed("docker:index/serviceConfig:ServiceConfig", "t-cfg-b-config-c").inputs;
        expect(c1.data).to.not.equal(c2.data);
        expect(c1).to.not.have.property("name");
        expect(c2).to.not.have.property("name");
    });

    it("runs global services without convergeConfig and stateful ones stop-first with delete-before-replace host ports", async () => {
        new mod.SwarmService("t-exporter", {
            serviceName: "t-exporter",
            image: "x/e:1",
            resources: high,
            networks: ["n"],
            global: true,
        });
        new mod.SwarmService("t-db", {
            serviceName: "t-db",
            image: "x/db:1",
            resources: high,
            networks: ["n"],
            stateful: true,
            endpointMode: "dnsrr",
            ports: [{ target: 5432, published: 15432, mode: "host" }],
            converge: false,
        });
        await settled();
        const exporter = resourceNamed("docker:index/service:Service", "t-exporter-service").inputs;
        expect(exporter.mode).to.deep.equal({ global: true });
        expect(exporter).to.not.have.property("convergeConfig");
        const db = resourceNamed("docker:index/service:Service", "t-db-service").inputs;
        expect(db.updateConfig.order).to.equal("stop-first");
        expect(db.endpointSpec).to.deep.equal({
            mode: "dnsrr",
            ports: [{ targetPort: 5432, publishedPort: 15432, publishMode: "host", protocol: "tcp" }],
        });
        expect(db).to.not.have.property("convergeConfig");
    });

    it("updates a stateless service stop-first when it publishes a host-mode port (old and new task cannot share it)", async () => {
        new mod.SwarmService("t-hostport", {
            serviceName: "t-hostport",
            image: "x/web:1",
            resources: high,
            networks: ["n"],
            endpointMode: "dnsrr",
            ports: [{ target: 8080, published: 18080, mode: "host" }],
        });
        await settled();
        const inputs = resourceNamed("docker:index/service:Service", "t-hostport-service").inputs;
        expect(inputs.updateConfig.order).to.equal("stop-first");
        expect(inputs.rollbackConfig.order).to.equal("stop-first");
    });

    it("adds back only the named capabilities, keeps a writable root filesystem only with a reason, and runs init and a user on request", async () => {
        new mod.SwarmService("t-hard", {
            serviceName: "t-hard",
            image: "x/h:1",
            resources: high,
            networks: ["n"],
            user: "1000:1000",
            init: true,
            writableRootFilesystemReason: "the vendor image rewrites its own config at start",
            capabilities: [{ name: "CAP_NET_BIND_SERVICE", reason: "listens on port 80" }],
            mounts: [{ type: "tmpfs", target: "/tmp", sizeBytes: 1048576 }],
        });
        await settled();
        const cs = resourceNamed("docker:index/service:Service", "t-hard-service").inputs.taskSpec.containerSpec;
        expect(cs).to.include({ user: "1000:1000", init: true, readOnly: false });
        expect(cs.capDrops).to.deep.equal(["ALL"]);
        expect(cs.capAdds).to.deep.equal(["CAP_NET_BIND_SERVICE"]);
        expect(cs.mounts).to.deep.equal([
            { type: "tmpfs", target: "/tmp", readOnly: false, tmpfsOptions: { sizeBytes: 1048576 } },
        ]);
    });

    it("reserves GPUs as generic resources next to a GPU constraint", async () => {
        new mod.SwarmService("t-gpu", {
            serviceName: "t-gpu",
            image: "x/gpu:1",
            resources: high,
            networks: ["n"],
            gpus: 1,
            constraints: ["node.role==worker", "node.labels.gpu==true"],
        });
        await settled();
        const inputs = resourceNamed("docker:index/service:Service", "t-gpu-service").inputs;
        expect(inputs.taskSpec.resources.reservation.genericResources).to.deep.equal({
            discreteResourcesSpecs: ["NVIDIA-GPU=1"],
        });
        expect(inputs.taskSpec.resources.limits).to.not.have.property("genericResources");
        expect(inputs.taskSpec).to.not.have.property("runtime");
        expect(resourcesOf("docker:index/service:Service", "t-gpu")).to.have.length(1);
    });

    describe(".validateSwarmServiceArgs", () => {
        const base = { serviceName: "svc", image: "x/y:1", resources: high, networks: ["n"] };
        it("rejects GPUs without a GPU constraint", () => {
            expect(() => mod.validateSwarmServiceArgs({ ...base, gpus: 1 })).to.throw(/node.labels.gpu==true/);
        });
        it("rejects replicas below 1 and global with replicas", () => {
            expect(() => mod.validateSwarmServiceArgs({ ...base, replicas: 0 })).to.throw(
                /`replicas` must be a whole number of at least 1/,
            );
            expect(() => mod.validateSwarmServiceArgs({ ...base, replicas: 2, global: true })).to.throw(
                /either `global` or `replicas`/,
            );
        });
        it("rejects a tmpfs without a size, a capability without a reason or in the wrong spelling, an empty writable-root reason", () => {
            expect(() =>
                mod.validateSwarmServiceArgs({ ...base, mounts: [{ type: "tmpfs", target: "/tmp" }] }),
            ).to.throw("service `svc`: tmpfs mount at `/tmp` needs `sizeBytes`");
            expect(() =>
                mod.validateSwarmServiceArgs({ ...base, capabilities: [{ name: "CAP_CHOWN", reason: " " }] }),
            ).to.throw("service `svc`: capability CAP_CHOWN needs a `reason`");
            for (const name of ["chown", "NET_ADMIN", "ALL", "CAP_ALL"]) {
                expect(() =>
                    mod.validateSwarmServiceArgs({ ...base, capabilities: [{ name, reason: "because" }] }),
                ).to.throw(/must be one Linux capability spelled "CAP_<NAME>"/);
            }
            expect(() => mod.validateSwarmServiceArgs({ ...base, writableRootFilesystemReason: "" })).to.throw(
                /`writableRootFilesystemReason` is empty/,
            );
        });
        it("rejects a port published twice and ingress ports with dnsrr", () => {
            expect(() =>
                mod.validateSwarmServiceArgs({
                    ...base,
                    ports: [
                        { target: 1, published: 80 },
                        { target: 2, published: 80 },
                    ],
                }),
            ).to.throw(/port 80 is published twice/);
            expect(() =>
                mod.validateSwarmServiceArgs({ ...base, endpointMode: "dnsrr", ports: [{ target: 1, published: 80 }] }),
            ).to.throw(/use host-mode ports/);
        });
    });

    describe(".updateMonitorFor", () => {
        it("is start period + interval x retries, at least 30s, in canonical form", () => {
            expect(mod.updateMonitorFor({ test: ["x"], startPeriod: "60s", interval: "30s", retries: 3 })).to.equal(
                "2m30s",
            );
            expect(mod.updateMonitorFor({ test: ["x"], startPeriod: "0s", interval: "5s", retries: 1 })).to.equal(
                "30s",
            );
            expect(mod.updateMonitorFor(undefined)).to.equal("30s");
        });
    });
});
