/**
 * The e2e applier's pure mappings (@pulumi/docker inputs -> Engine API bodies), checked without a daemon. Run by
 * `npm run test:e2e` before it starts dockerd (the root mocha run ignores test/e2e/**).
 */
import { expect } from "chai";
import * as path from "path";
import { UnmappedFieldError } from "./fields";
import { configSpec, imageBuild, networkSpec, randomPassword, secretSpec, serviceSpec, volumeSpec } from "./specs";
import { repoDigestOf } from "./applier";

/** A service shaped exactly like the dev plan's Postgres (SwarmService output), ids resolved. */
function postgresInputs(): Record<string, any> {
    return {
        convergeConfig: { delay: "5s", timeout: "3m" },
        endpointSpec: {
            mode: "dnsrr",
            ports: [{ protocol: "tcp", publishMode: "host", publishedPort: 15432, targetPort: 5432 }],
        },
        labels: [
            { label: "sophia.service", value: "postgres" },
            { label: "sophia.tier", value: "high" },
        ],
        mode: { replicated: { replicas: 1 } },
        name: "postgres",
        rollbackConfig: {
            delay: "5s",
            failureAction: "pause",
            maxFailureRatio: "0.2",
            monitor: "150s",
            order: "stop-first",
            parallelism: 1,
        },
        taskSpec: {
            containerSpec: {
                args: ["postgres", "-c", "shared_buffers=256MB"],
                env: {
                    POSTGRES_DB: "sophia_ai",
                    POSTGRES_PASSWORD_FILE: "/run/secrets/postgres_password",
                    POSTGRES_USER: "sophia",
                },
                healthcheck: {
                    interval: "30s",
                    retries: 3,
                    startPeriod: "60s",
                    tests: ["CMD-SHELL", "pg_isready -h 127.0.0.1"],
                    timeout: "10s",
                },
                image: "postgres:15.10-bookworm",
                labels: [{ label: "sophia.service", value: "postgres" }],
                mounts: [
                    { readOnly: false, source: "postgres-data", target: "/var/lib/postgresql/data", type: "volume" },
                    { readOnly: false, target: "/dev/shm", tmpfsOptions: { sizeBytes: 67108864 }, type: "tmpfs" },
                ],
                secrets: [
                    {
                        fileGid: "999",
                        fileMode: 256,
                        fileName: "/run/secrets/postgres_password",
                        fileUid: "999",
                        secretId: "sec123",
                        secretName: "postgres-secret-password-abc",
                    },
                ],
                stopGracePeriod: "1m",
                sysctl: { "net.core.somaxconn": "1024" },
            },
            logDriver: { name: "json-file", options: { "max-file": "5", "max-size": "100m" } },
            networksAdvanceds: [{ id: "net123" }],
            placement: { constraints: ["node.role==manager"], prefs: ["node.labels.zone"] },
            resources: {
                limits: { memoryBytes: 1073741824, nanoCpus: 1000000000 },
                reservation: {
                    memoryBytes: 268435456,
                    nanoCpus: 100000000,
                    genericResources: { discreteResourcesSpecs: ["NVIDIA-GPU=2"] },
                },
            },
            restartPolicy: { condition: "on-failure", delay: "5s", maxAttempts: 3, window: "2m" },
        },
        updateConfig: {
            delay: "10s",
            failureAction: "rollback",
            maxFailureRatio: "0.2",
            monitor: "1m30s",
            order: "stop-first",
            parallelism: 1,
        },
    };
}

describe("e2e applier: @pulumi/docker inputs -> Engine API specs", () => {
    it("passes a placement pref to Swarm verbatim, as the provider does (a `spread=` prefix is not stripped)", () => {
        const inputs = postgresInputs();
        inputs.taskSpec.placement.prefs = ["spread=node.labels.zone"];
        const t = serviceSpec("postgres-service", inputs).spec.TaskTemplate as any;
        expect(t.Placement.Preferences).to.deep.equal([{ Spread: { SpreadDescriptor: "spread=node.labels.zone" } }]);
    });

    it("maps a service with every field the program sets", () => {
        const { spec, converge } = serviceSpec("postgres-service", postgresInputs());
        const t = spec.TaskTemplate as any;
        expect(spec.Name).to.equal("postgres");
        expect(spec.Labels).to.deep.equal({ "sophia.service": "postgres", "sophia.tier": "high" });
        expect(spec.Mode).to.deep.equal({ Replicated: { Replicas: 1 } });
        expect(t.ContainerSpec.Args).to.deep.equal(["postgres", "-c", "shared_buffers=256MB"]);
        expect(t.ContainerSpec.Env).to.have.members([
            "POSTGRES_DB=sophia_ai",
            "POSTGRES_PASSWORD_FILE=/run/secrets/postgres_password",
            "POSTGRES_USER=sophia",
        ]);
        expect(t.ContainerSpec.HealthCheck).to.deep.equal({
            Test: ["CMD-SHELL", "pg_isready -h 127.0.0.1"],
            Interval: 30e9,
            Timeout: 10e9,
            StartPeriod: 60e9,
            Retries: 3,
        });
        expect(t.ContainerSpec.Secrets).to.deep.equal([
            {
                SecretID: "sec123",
                SecretName: "postgres-secret-password-abc",
                File: { Name: "/run/secrets/postgres_password", UID: "999", GID: "999", Mode: 256 },
            },
        ]);
        expect(t.ContainerSpec.Mounts).to.deep.equal([
            { Type: "volume", Target: "/var/lib/postgresql/data", Source: "postgres-data", ReadOnly: false },
            { Type: "tmpfs", Target: "/dev/shm", ReadOnly: false, TmpfsOptions: { SizeBytes: 67108864 } },
        ]);
        expect(t.ContainerSpec.StopGracePeriod).to.equal(60e9);
        expect(t.ContainerSpec.Sysctls).to.deep.equal({ "net.core.somaxconn": "1024" });
        expect(t.Resources).to.deep.equal({
            Limits: { NanoCPUs: 1e9, MemoryBytes: 1073741824 },
            Reservations: {
                NanoCPUs: 1e8,
                MemoryBytes: 268435456,
                GenericResources: [{ DiscreteResourceSpec: { Kind: "NVIDIA-GPU", Value: 2 } }],
            },
        });
        expect(t.RestartPolicy).to.deep.equal({ Condition: "on-failure", Delay: 5e9, MaxAttempts: 3, Window: 120e9 });
        expect(t.Placement).to.deep.equal({
            Constraints: ["node.role==manager"],
            Preferences: [{ Spread: { SpreadDescriptor: "node.labels.zone" } }],
        });
        expect(t.LogDriver).to.deep.equal({ Name: "json-file", Options: { "max-file": "5", "max-size": "100m" } });
        expect(t.Networks).to.deep.equal([{ Target: "net123" }]);
        expect(spec.UpdateConfig).to.deep.equal({
            Parallelism: 1,
            Delay: 10e9,
            FailureAction: "rollback",
            Monitor: 90e9,
            MaxFailureRatio: 0.2,
            Order: "stop-first",
        });
        expect(spec.RollbackConfig).to.deep.include({ FailureAction: "pause", Monitor: 150e9 });
        expect(spec.EndpointSpec).to.deep.equal({
            Mode: "dnsrr",
            Ports: [{ Protocol: "tcp", TargetPort: 5432, PublishedPort: 15432, PublishMode: "host" }],
        });
        expect(converge).to.deep.equal({ delayMs: 5000, timeoutMs: 180000 });
    });

    it("fails on an input field it does not map, naming the resource and the field path", () => {
        const inputs = postgresInputs();
        inputs.taskSpec.containerSpec.mounts[1].tmpfsOptions.uid = 5;
        expect(() => serviceSpec("postgres-service", inputs)).to.throw(
            UnmappedFieldError,
            /Service "postgres-service" has input field `taskSpec\.containerSpec\.mounts\[1\]\.tmpfsOptions\.uid`/,
        );
        expect(() => networkSpec("net", { name: "n", driver: "overlay", scope: "swarm" })).to.throw(
            UnmappedFieldError,
            /Network "net" has input field `scope`/,
        );
        expect(() => volumeSpec("v", { name: "v", driverOptions: {} })).to.throw(UnmappedFieldError, /`driverOptions`/);
    });

    it("maps an encrypted overlay network with its MTU and labels", () => {
        expect(
            networkSpec("sophia-overlay-network", {
                name: "sophia-overlay",
                driver: "overlay",
                attachable: true,
                internal: false,
                options: { "com.docker.network.driver.mtu": "1500", encrypted: "true" },
                labels: [{ label: "sophia.network", value: "sophia-overlay" }],
            }),
        ).to.deep.equal({
            Name: "sophia-overlay",
            Driver: "overlay",
            Attachable: true,
            Internal: false,
            CheckDuplicate: true,
            Options: { "com.docker.network.driver.mtu": "1500", encrypted: "true" },
            Labels: { "sophia.network": "sophia-overlay" },
        });
    });

    it("autonames secrets like the provider and insists on standard base64", () => {
        const spec = secretSpec("redis-secret-password", {
            data: Buffer.from("s3cret").toString("base64"),
            labels: [{ label: "sophia.secret", value: "password" }],
        });
        expect(spec.Name).to.match(/^redis-secret-password-[0-9a-f]{7}$/);
        expect(spec.Data).to.equal("czNjcmV0");
        expect(() => secretSpec("s", { data: "not base64!" })).to.throw(/standard base64/);
    });

    it("maps configs from data or dataRaw", () => {
        expect(configSpec("c", { name: "prom-abc", data: "YQ==" })).to.deep.equal({ Name: "prom-abc", Data: "YQ==" });
        expect(configSpec("c", { name: "prom-abc", dataRaw: "a" }).Data).to.equal("YQ==");
        expect(() => configSpec("c", { name: "x" })).to.throw(/exactly one of `data` and `dataRaw`/);
    });

    it("builds images with the classic builder, pushing only when a registry is given", () => {
        const root = "/repo";
        const b = imageBuild(
            "chat-cache-image",
            {
                imageName: "sophia/chat-cache:dev",
                skipPush: true,
                build: {
                    context: "runtime/chat-cache",
                    dockerfile: "runtime/chat-cache/Dockerfile",
                    args: { BASE_IMAGE: "node:20" },
                    network: "host",
                },
            },
            root,
            path.resolve,
        );
        expect(b.context).to.equal("/repo/runtime/chat-cache");
        expect(b.dockerfile).to.equal("Dockerfile");
        expect(b.query).to.deep.include({
            t: "sophia/chat-cache:dev",
            buildargs: JSON.stringify({ BASE_IMAGE: "node:20" }),
            networkmode: "host",
        });
        expect(b.push, "skipPush: no push").to.equal(undefined);
        expect(() => imageBuild("i", { imageName: "x:1", skipPush: false }, root, path.resolve)).to.throw(
            /`registry.server` is not set/,
        );
        const pushed = imageBuild(
            "i",
            {
                imageName: "reg.example:5443/sophia/chat-cache:1",
                skipPush: false,
                registry: { server: "reg.example:5443", username: "deploy", password: "pw" },
            },
            root,
            path.resolve,
        );
        expect(pushed.push).to.deep.equal({ serveraddress: "reg.example:5443", username: "deploy", password: "pw" });
        expect(() =>
            imageBuild(
                "i",
                { imageName: "x:1", skipPush: true, build: { builderVersion: "BuilderBuildKit" } },
                root,
                path.resolve,
            ),
        ).to.throw(/BuildKit/);
    });

    it("hands a service's registry credentials to the engine (X-Registry-Auth)", () => {
        const { auth } = serviceSpec("s", {
            name: "chat-cache",
            auth: { serverAddress: "reg.example:5443", username: "deploy", password: "pw" },
            taskSpec: { containerSpec: { image: "reg.example:5443/sophia/chat-cache@sha256:ab" } },
        });
        expect(auth).to.deep.equal({ serveraddress: "reg.example:5443", username: "deploy", password: "pw" });
        expect(repoDigestOf("reg.example:5443/sophia/chat-cache:1", "sha256:ab")).to.equal(
            "reg.example:5443/sophia/chat-cache@sha256:ab",
        );
    });

    it("generates real random passwords honouring length and character classes", () => {
        const a = randomPassword("p", { length: 32, special: false });
        const b = randomPassword("p", { length: 32, special: false });
        expect(a)
            .to.have.length(32)
            .and.match(/^[A-Za-z0-9]+$/);
        expect(a).to.not.equal(b);
        const c = randomPassword("p", {
            length: 8,
            upper: false,
            lower: false,
            special: true,
            overrideSpecial: "#",
            minSpecial: 3,
        });
        expect(c).to.match(/^[0-9#]{8}$/);
        expect(c.split("#").length - 1).to.be.at.least(3);
        expect(() => randomPassword("p", { length: 8, bogus: 1 })).to.throw(UnmappedFieldError, /`bogus`/);
    });
});
