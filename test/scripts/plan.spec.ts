import { expect } from "chai";
import * as YAML from "yaml";
import { planJson, PlanResource, runPlan } from "./planRunner";

const SERVICE = "docker:index/service:Service";
const NETWORK = "docker:index/network:Network";
const GiB = 1024 ** 3;
const byName = (resources: PlanResource[], name: string) => {
    const found = resources.find((r) => r.type === SERVICE && r.inputs.name === name);
    if (!found) {
        throw new Error(`no service ${name}`);
    }
    return found.inputs;
};
const flag = (args: string[], name: string) => args.find((a) => a.startsWith(`${name}=`))?.split("=")[1];

describe("npm run plan", function () {
    this.timeout(60000);

    describe("--stack prod --json", () => {
        let resources: PlanResource[];
        let offline: Record<string, any>;
        before(() => {
            const doc = planJson("prod");
            resources = doc.deployment.resources;
            offline = doc.offline;
        });

        it("plans every service of the production set with its tier numbers and replicas", () => {
            const expected: Record<string, [number, number, number, number, number]> = {
                // name: [replicas, limit nanoCPUs, limit bytes, reserved nanoCPUs, reserved bytes]
                "sophia-ai-backend": [3, 2e9, 4 * GiB, 1e9, 2 * GiB],
                "ai-memory": [3, 2e9, 4 * GiB, 1e9, 2 * GiB],
                "snowflake-cortex": [2, 4e9, 8 * GiB, 2e9, 4 * GiB],
                "mcp-gateway": [3, 1e9, 2 * GiB, 0.5e9, 1 * GiB],
                redis: [1, 2e9, 6 * GiB, 1e9, 4 * GiB],
                postgres: [1, 2e9, 4 * GiB, 1e9, 2 * GiB],
            };
            const services = resources
                .filter((r) => r.type === SERVICE)
                .map((r) => r.inputs.name)
                .sort();
            expect(services).to.include.members(Object.keys(expected));
            for (const [name, [replicas, lc, lm, rc, rm]] of Object.entries(expected)) {
                const s = byName(resources, name);
                expect(s.mode, name).to.deep.equal({ replicated: { replicas } });
                expect(s.taskSpec.resources.limits, name).to.deep.equal({ nanoCpus: lc, memoryBytes: lm });
                expect(s.taskSpec.resources.reservation, name).to.deep.include({ nanoCpus: rc, memoryBytes: rm });
                expect(s.updateConfig.failureAction, name).to.equal("rollback");
                expect(s.taskSpec.containerSpec.image, name).to.not.match(/:latest$/);
            }
        });

        it("creates both overlays encrypted, sophia-overlay at MTU 1500 and sophia-performance at 9000, and attaches services by id", () => {
            const nets = resources.filter((r) => r.type === NETWORK);
            expect(nets.map((n) => [n.inputs.name, n.inputs.options])).to.deep.equal([
                ["sophia-overlay", { encrypted: "true", "com.docker.network.driver.mtu": "1500" }],
                ["sophia-performance", { encrypted: "true", "com.docker.network.driver.mtu": "9000" }],
            ]);
            const idToName = new Map(nets.map((n) => [n.id, n.inputs.name]));
            for (const svc of resources.filter((r) => r.type === SERVICE)) {
                const attached: { id: string; name?: string }[] = svc.inputs.taskSpec.networksAdvanceds;
                expect(attached.length, svc.inputs.name).to.be.greaterThan(0);
                attached.forEach((a) => {
                    expect(a, svc.inputs.name).to.not.have.property("name");
                    expect(idToName.has(a.id), `${svc.inputs.name} attaches ${a.id}`).to.equal(true);
                });
            }
            const backendNets = byName(resources, "sophia-ai-backend").taskSpec.networksAdvanceds.map(
                (a: { id: string }) => idToName.get(a.id),
            );
            expect(backendNets).to.deep.equal(["sophia-performance", "sophia-overlay"]);
        });

        it("tunes Postgres with -c flags for 4 GiB and a /dev/shm tmpfs", () => {
            const pg = byName(resources, "postgres");
            const args: string[] = pg.taskSpec.containerSpec.args;
            expect(flag(args, "shared_buffers")).to.equal("1GB");
            expect(flag(args, "effective_cache_size")).to.equal("3GB");
            expect(flag(args, "maintenance_work_mem")).to.equal("256MB");
            expect(flag(args, "wal_buffers")).to.equal("16MB");
            expect(pg.taskSpec.containerSpec.mounts).to.deep.include({
                type: "tmpfs",
                target: "/dev/shm",
                readOnly: false,
                tmpfsOptions: { sizeBytes: 256 * 1024 ** 2 },
            });
            expect(pg.taskSpec.placement.constraints).to.deep.equal(["node.role==manager", "node.labels.ssd==true"]);
        });

        it("gives Redis maxmemory 4gb under its 6 GiB limit with allkeys-lru", () => {
            const args: string[] = byName(resources, "redis").taskSpec.containerSpec.args;
            expect(args[args.indexOf("--maxmemory") + 1]).to.equal("4gb");
            expect(args[args.indexOf("--maxmemory-policy") + 1]).to.equal("allkeys-lru");
        });

        it("reserves one GPU for snowflake-cortex on GPU nodes, spreads the backend over zones, publishes the gateway", () => {
            const cortex = byName(resources, "snowflake-cortex");
            expect(cortex.taskSpec.resources.reservation.genericResources).to.deep.equal({
                discreteResourcesSpecs: ["NVIDIA-GPU=1"],
            });
            expect(cortex.taskSpec.placement.constraints).to.include("node.labels.gpu==true");
            // The provider hands the descriptor to Swarm verbatim, and Swarm honours only `node.labels.*`.
            expect(byName(resources, "sophia-ai-backend").taskSpec.placement.prefs).to.deep.equal(["node.labels.zone"]);
            expect(byName(resources, "ai-memory").taskSpec.placement.constraints).to.include(
                "node.labels.memory-optimized==true",
            );
            expect(byName(resources, "mcp-gateway").endpointSpec.ports).to.deep.equal([
                { targetPort: 9000, publishedPort: 9000, publishMode: "ingress", protocol: "tcp" },
            ]);
        });

        it("marks ESC-supplied secrets as placeholders and never prints their values", () => {
            expect(offline.placeholders).to.include.members([
                "sophia-infra:postgresPassword",
                "sophia-infra:redisPassword",
            ]);
            expect(offline.environments).to.deep.equal(["sophia-ai/production"]);
            const secrets = resources.filter((r) => r.type === "docker:index/secret:Secret");
            expect(secrets.length).to.be.greaterThan(3);
            secrets.forEach((s) =>
                expect(s.inputs.data).to.deep.equal({
                    "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
                    ciphertext: "[secret]",
                }),
            );
        });

        it("builds and pushes both runtime images to the registry and runs them by digest", () => {
            const images = resources.filter((r) => r.type === "docker:index/image:Image");
            expect(images.map((i) => i.inputs.imageName).sort()).to.deep.equal([
                "ghcr.io/sophia-ai/chat-cache:0.1.0",
                "ghcr.io/sophia-ai/overlay-probe:0.1.0",
                "ghcr.io/sophia-ai/sync-monitor:0.1.0",
            ]);
            for (const img of images) {
                expect(img.inputs.skipPush).to.equal(false);
                expect(img.inputs.registry).to.deep.equal({
                    "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
                    ciphertext: "[secret]",
                });
            }
            const digestOf = (svc: string) =>
                images.find((i) => i.inputs.imageName.includes(`/${svc}:`))!.outputs.repoDigest;
            expect(byName(resources, "chat-cache").taskSpec.containerSpec.image).to.equal(digestOf("chat-cache"));
            expect(byName(resources, "sync-monitor").taskSpec.containerSpec.image).to.equal(digestOf("sync-monitor"));
            expect(byName(resources, "chat-cache").mode).to.deep.equal({ replicated: { replicas: 2 } });
            expect(byName(resources, "chat-cache").auth).to.deep.equal({
                "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
                ciphertext: "[secret]",
            });
        });

        it("creates the GitHub secrets of the mapping, secret and delete-before-replace, and mounts the same mapping into the sync-monitor", () => {
            const types = [
                "github:index/actionsOrganizationSecret:ActionsOrganizationSecret",
                "github:index/actionsSecret:ActionsSecret",
                "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret",
            ];
            const secrets = resources.filter((r) => types.includes(r.type));
            expect(secrets.map((r) => r.inputs.secretName).sort()).to.deep.equal([
                "DOCKER_REGISTRY_TOKEN",
                "PULUMI_ACCESS_TOKEN",
                "SOPHIA_OPENAI_API_KEY",
                "SOPHIA_SNOWFLAKE_PASSWORD",
                "SOPHIA_SNOWFLAKE_PASSWORD",
            ]);
            for (const r of secrets) {
                expect(r.deleteBeforeReplace, r.urn).to.equal(true);
                expect(r.inputs.value, r.urn).to.deep.equal({
                    "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
                    ciphertext: "[secret]",
                });
            }
            const mountedConfig = byName(resources, "sync-monitor").taskSpec.containerSpec.configs[0];
            const config = resources.find(
                (r) => r.type === "docker:index/serviceConfig:ServiceConfig" && r.id === mountedConfig.configId,
            )!;
            const mapping = YAML.parse(Buffer.from(config.inputs.data, "base64").toString());
            const names = mapping.secrets
                .flatMap((m: { targets: { name: string }[] }) => m.targets.map((t) => t.name))
                .sort();
            expect(names).to.deep.equal(secrets.map((r) => r.inputs.secretName).sort());
            expect(mapping.esc.environment).to.equal("sophia-ai/default/sophia-ai-production");
            // What the program wrote is attested to the monitor, so it can verify secrets it did not write.
            const sm = byName(resources, "sync-monitor").taskSpec.containerSpec;
            expect(sm.env.SYNC_ATTESTATIONS_FILE).to.equal("/etc/sync-monitor/attestations.json");
            expect(sm.configs.map((c: { fileName: string }) => c.fileName)).to.deep.equal([
                "/etc/sync-monitor/sync-config.yaml",
                "/etc/sync-monitor/attestations.json",
            ]);
        });

        it("runs the monitoring stack with 30d/10GB retention on a manager and publishes Grafana", () => {
            const prom = byName(resources, "prometheus");
            expect(prom.taskSpec.containerSpec.args).to.include.members([
                "--storage.tsdb.retention.time=30d",
                "--storage.tsdb.retention.size=10GB",
            ]);
            expect(prom.taskSpec.placement.constraints).to.deep.equal(["node.role==manager"]);
            expect(byName(resources, "node-exporter").mode).to.deep.equal({ global: true });
            expect(byName(resources, "grafana").endpointSpec.ports).to.deep.equal([
                { targetPort: 3000, publishedPort: 3000, publishMode: "ingress", protocol: "tcp" },
            ]);
        });

        it("keeps every service spec readable: secrets stay inside Docker secrets instead of turning the spec secret", () => {
            for (const svc of resources.filter((r) => r.type === SERVICE)) {
                expect(svc.inputs.taskSpec, svc.urn).to.not.have.property("4dabf18193072939515e22adb298388d");
                expect(svc.inputs.taskSpec.containerSpec, svc.urn).to.be.an("object").with.property("image");
            }
        });

        it("records each resource's parent component", () => {
            const redisService = resources.find((r) => r.type === SERVICE && r.inputs.name === "redis")!;
            expect(redisService.urn).to.equal(
                "urn:pulumi:prod::sophia-infra::sophia:swarm:Redis$sophia:swarm:SwarmService$docker:index/service:Service::redis-service",
            );
            expect(redisService.parent).to.equal(
                "urn:pulumi:prod::sophia-infra::sophia:swarm:Redis$sophia:swarm:SwarmService::redis",
            );
        });
    });

    describe("--stack dev --json", () => {
        let resources: PlanResource[];
        before(() => {
            resources = planJson("dev").deployment.resources;
        });

        it("runs one replica each (global exporters aside) with dnsrr and host-mode ports, generated passwords and one overlay", () => {
            const services = resources.filter((r) => r.type === SERVICE);
            expect(services.map((s) => s.inputs.name).sort()).to.deep.equal([
                "alertmanager",
                "cadvisor",
                "chat-cache",
                "grafana",
                "node-exporter",
                "overlay-probe-sophia-overlay",
                "postgres",
                "postgres-exporter",
                "prometheus",
                "redis",
                "redis-exporter",
            ]);
            services.forEach((s) => {
                const global = ["node-exporter", "cadvisor", "overlay-probe-sophia-overlay"].includes(s.inputs.name);
                expect(s.inputs.mode, s.inputs.name).to.deep.equal(
                    global ? { global: true } : { replicated: { replicas: 1 } },
                );
                expect(s.inputs.endpointSpec.mode, s.inputs.name).to.equal("dnsrr");
                (s.inputs.endpointSpec.ports ?? []).forEach((p: { publishMode: string }) =>
                    expect(p.publishMode, s.inputs.name).to.equal("host"),
                );
            });
            expect(byName(resources, "redis").endpointSpec.ports).to.deep.equal([
                { targetPort: 6379, publishedPort: 6379, publishMode: "host", protocol: "tcp" },
            ]);
            expect(
                resources
                    .filter((r) => r.type === "random:index/randomPassword:RandomPassword")
                    .map((r) => r.urn.split("::").pop())
                    .sort(),
            ).to.deep.equal(["grafanaAdminPassword", "postgresPassword", "redisPassword"]);
            expect(resources.filter((r) => r.type === NETWORK)).to.have.length(1);
        });

        it("builds chat-cache locally (no registry, no push) and runs it by digest; no ESC, GitHub or sync-monitor", () => {
            const images = resources.filter((r) => r.type === "docker:index/image:Image");
            expect(images.map((i) => [i.inputs.imageName, i.inputs.skipPush])).to.deep.equal([
                ["sophia/chat-cache:0.1.0", true],
                ["sophia/overlay-probe:0.1.0", true],
            ]);
            expect(byName(resources, "chat-cache").taskSpec.containerSpec.image).to.equal(images[0].outputs.repoDigest);
            expect(
                resources.filter((r) => r.type.startsWith("github:") || r.type === "pulumi:providers:github"),
            ).to.deep.equal([]);
            expect(resources.some((r) => r.type === SERVICE && r.inputs.name === "sync-monitor")).to.equal(false);
        });

        it("scales Postgres tuning to the dev high tier (1 GiB)", () => {
            const args: string[] = byName(resources, "postgres").taskSpec.containerSpec.args;
            expect(flag(args, "shared_buffers")).to.equal("256MB");
            expect(flag(args, "max_connections")).to.equal("50");
        });
    });

    describe("text output and errors", () => {
        it("labels the plan as offline and shows secrets as [secret]", () => {
            const r = runPlan(["--stack", "prod"]);
            expect(r.status).to.equal(0);
            expect(r.stdout).to.match(/^Offline plan of stack "prod".*engine is mocked/);
            expect(r.stdout).to.contain("data: [secret]");
            expect(r.stdout).to.contain(
                "Placeholder secrets used for: sophia-infra:postgresPassword, sophia-infra:redisPassword",
            );
            expect(r.stdout).to.not.contain("offline placeholder for");
        });

        it("fails an unknown stack with exit 2 and the known stacks", () => {
            const r = runPlan(["--stack", "staging"]);
            expect(r.status).to.equal(2);
            expect(r.stderr).to.contain('Unknown stack "staging": there is no Pulumi.staging.yaml');
            expect(r.stderr).to.contain("Known stacks: dev, prod");
            expect(r.stderr).to.not.match(/\n\s+at /);
        });

        it("fails invalid config with exit 1 and the key, not a stack trace", () => {
            const r = runPlan([
                "--stack",
                "dev",
                "--config",
                'sophia-infra:services=[{"name":"x","image":"x/y:latest","tier":"low","port":80}]',
            ]);
            expect(r.status).to.equal(1);
            expect(r.stderr).to.contain('`sophia-infra:services[0].image` is "x/y:latest". Do not deploy `:latest`');
            expect(r.stderr).to.not.match(/\n\s+at /);
        });

        it("fails an esc stack whose secret is empty, naming the key", () => {
            const r = runPlan(["--stack", "dev", "--config", "sophia-infra:secretsSource=esc"]);
            expect(r.status).to.equal(1);
            expect(r.stderr).to.contain(
                'Config `sophia-infra:redisPassword` is empty but Redis needs it (`sophia-infra:secretsSource` is "esc"). Add it to the stack\'s ESC environment',
            );
        });

        it("rejects bad usage with exit 2", () => {
            expect(runPlan([]).status).to.equal(2);
            expect(runPlan(["--stack", "dev", "--frobnicate"]).stderr).to.contain('Unknown argument "--frobnicate"');
        });
    });
});
