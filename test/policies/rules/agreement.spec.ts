/**
 * One rule, one verdict: the stack config (before deploy) and the policy pack (on the deployed shape) judge the same
 * inputs alike, because both ask the same rule module (policies/lib/rules/).
 */
import { expect } from "chai";
import { parseStackConfig, RawStackConfig } from "../../../components/stackConfig";
import { dockerServiceConfigureRedisMemory } from "../../../policies/data/dockerServiceConfigureRedisMemory";
import { dockerNetworkConfigureMtu } from "../../../policies/network/dockerNetworkConfigureMtu";
import { dockerServiceDisallowPlaintextSecrets } from "../../../policies/service/dockerServiceDisallowPlaintextSecrets";
import { dockerServiceMatchTierResources } from "../../../policies/service/dockerServiceMatchTierResources";
import { dockerServiceRequireGpuPlacement } from "../../../policies/service/dockerServiceRequireGpuPlacement";
import { GPU_RESOURCE_KIND } from "../../../policies/lib/rules/gpuPlacement";
import { appService, NETWORK, overlayNetwork, redisService, SERVICE } from "../fixtures";
import { resourceArgs, runResourcePolicy } from "../util";

const app = (over: Record<string, unknown> = {}) => ({
    name: "api",
    image: "example/api:1.0.0",
    tier: "medium",
    port: 8000,
    ...over,
});
const configAccepts = (raw: RawStackConfig) => {
    try {
        parseStackConfig(raw);
        return true;
    } catch {
        return false;
    }
};
const policyAccepts = async (
    policy: Parameters<typeof runResourcePolicy>[0],
    type: string,
    props: Record<string, any>,
    config?: object,
) => (await runResourcePolicy(policy, resourceArgs(policy, type, props, { config }))).length === 0;

describe("config and policy pack agree", () => {
    describe("secret-looking env names", () => {
        const verdicts: Record<string, boolean> = {
            MAX_TOKENS: true,
            TOKENIZER_MODEL: true,
            CACHE_KEY_PREFIX: true,
            GITHUB_TOKEN_HEADER: true,
            LOG_LEVEL: true,
            DB_PASS: false,
            SIGNING_KEY: false,
            DB_PASSWORD: false,
            GITHUB_TOKEN: false,
            OPENAI_API_KEY: false,
            CLIENT_SECRET: false,
        };
        for (const [name, accepted] of Object.entries(verdicts)) {
            it(`${accepted ? "allow" : "refuse"} ${name} with a plain value`, async () => {
                const svc = appService();
                svc.taskSpec.containerSpec.env = { [name]: "some-value" };
                expect(configAccepts({ services: [app({ env: { [name]: "some-value" } })] }), "config").to.equal(
                    accepted,
                );
                expect(await policyAccepts(dockerServiceDisallowPlaintextSecrets, SERVICE, svc), "policy").to.equal(
                    accepted,
                );
            });
        }
    });

    describe("GPU placement", () => {
        const cases: [string[], boolean][] = [
            [["node.labels.gpu==true"], true],
            [["node.role==worker", "node.labels.gpu == true"], true],
            [["node.role==worker"], false],
            [[], false],
        ];
        for (const [constraints, accepted] of cases) {
            it(`${accepted ? "accept" : "refuse"} a GPU service constrained by [${constraints.join(", ")}]`, async () => {
                const svc = appService();
                svc.taskSpec.placement = { constraints };
                svc.taskSpec.resources.reservation.genericResources = {
                    discreteResourcesSpecs: [`${GPU_RESOURCE_KIND}=1`],
                };
                expect(configAccepts({ services: [app({ gpus: 1, constraints })] }), "config").to.equal(accepted);
                expect(await policyAccepts(dockerServiceRequireGpuPlacement, SERVICE, svc), "policy").to.equal(
                    accepted,
                );
            });
        }
    });

    describe("MTU", () => {
        for (const [mtu, accepted] of [
            [1279, false],
            [1280, true],
            [1500, true],
            [9000, true],
            [9001, false],
        ] as const) {
            it(`${accepted ? "accept" : "refuse"} ${mtu}`, async () => {
                const net = overlayNetwork();
                net.options["com.docker.network.driver.mtu"] = String(mtu);
                expect(configAccepts({ networks: [{ name: "n", mtu }] }), "config").to.equal(accepted);
                expect(await policyAccepts(dockerNetworkConfigureMtu, NETWORK, net), "policy").to.equal(accepted);
            });
        }
    });

    describe("Redis share of the memory limit", () => {
        const limits = { cpus: 2, memory: "6GiB" };
        for (const [maxmemory, accepted] of [
            ["4gb", true],
            ["3gb", true],
            ["4097mb", false],
            ["6gb", false],
        ] as const) {
            it(`${accepted ? "accept" : "refuse"} maxmemory ${maxmemory} under a 6GiB limit`, async () => {
                const svc = redisService();
                const args: string[] = svc.taskSpec.containerSpec.args;
                args[args.indexOf("--maxmemory") + 1] = maxmemory;
                const redis = {
                    tier: "custom",
                    resources: { limits, reservations: { cpus: 1, memory: "4GiB" } },
                    maxmemory,
                };
                expect(configAccepts({ redis }), "config").to.equal(accepted);
                expect(await policyAccepts(dockerServiceConfigureRedisMemory, SERVICE, svc), "policy").to.equal(
                    accepted,
                );
            });
        }
    });

    describe("tiers", () => {
        const tiers = {
            medium: { limits: { cpus: 0.5, memory: "512MiB" }, reservations: { cpus: 0.1, memory: "128MiB" } },
        };
        for (const [tier, overridden] of [
            ["high", false],
            ["medium", true],
            ["low", false],
        ] as const) {
            it(`the resources the config resolves for ${tier} are the ones the pack expects of ${tier}`, async () => {
                const cfg = parseStackConfig({ tiers, services: [app({ tier })] });
                const svc = appService();
                svc.labels = [{ label: "sophia.tier", value: tier }];
                const r = cfg.services[0].resources;
                svc.taskSpec.resources = { limits: { ...r.limits }, reservation: { ...r.reservations } };
                expect(
                    await policyAccepts(dockerServiceMatchTierResources, SERVICE, svc, { tiers }),
                    "policy",
                ).to.equal(true);
                // Without the stack's overrides the pack's table differs exactly where the stack overrode it.
                expect(
                    await policyAccepts(dockerServiceMatchTierResources, SERVICE, svc),
                    "policy (defaults)",
                ).to.equal(!overridden);
            });
        }
    });
});
