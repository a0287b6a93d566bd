import { expect } from "chai";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { parseDocument } from "../../../policies/offline/document";
import { effectiveLevel, evaluatePolicies } from "../../../policies/offline/evaluate";
import { exitCode } from "../../../policies/offline/report";
import { policies } from "../../../policies/policies";
import { VXLAN_IGNORE_CHANGES_PATH } from "../../../components/networkOptions";
import { appService, NETWORK, overlayNetwork, SERVICE } from "../fixtures";

/** A document of these resources; networks carry the ignoreChanges option the program sets, unless given their own. */
const doc = (
    resources: {
        type: string;
        name: string;
        inputs: object;
        deleteBeforeReplace?: boolean;
        ignoreChanges?: string[];
    }[],
) =>
    parseDocument(
        JSON.stringify({
            deployment: {
                resources: resources.map((r) => ({
                    urn: `urn:pulumi:prod::sophia-infra::${r.type}::${r.name}`,
                    custom: true,
                    type: r.type,
                    inputs: r.inputs,
                    outputs: { id: `${r.name}-id`, ...r.inputs },
                    deleteBeforeReplace: r.deleteBeforeReplace,
                    ignoreChanges: r.ignoreChanges ?? (r.type === NETWORK ? [VXLAN_IGNORE_CHANGES_PATH] : undefined),
                })),
            },
        }),
        "test.json",
    ).resources;

const unencrypted = () => {
    const net = overlayNetwork();
    delete net.options.encrypted;
    return net;
};

describe("offline evaluation", () => {
    it("finds nothing on a compliant service attached to a compliant network", async () => {
        const svc = appService();
        svc.taskSpec.networksAdvanceds = [{ id: "net-id" }];
        const result = await evaluatePolicies(
            policies,
            doc([
                { type: NETWORK, name: "net", inputs: overlayNetwork() },
                { type: SERVICE, name: "api-service", inputs: svc },
            ]),
        );
        expect(result).to.deep.equal({ violations: [], failures: [] });
        expect(exitCode(result)).to.equal(0);
    });

    it("hands a document's ignoreChanges to resource policies as the resource option", async () => {
        const result = await evaluatePolicies(
            policies,
            doc([{ type: NETWORK, name: "net", inputs: overlayNetwork(), ignoreChanges: [] }]),
        );
        expect(result.violations.map((v) => v.policy)).to.deep.equal(["docker-network-ignore-swarm-vxlan-option"]);
    });

    it("runs stack policies on outputs and resource policies on inputs", async () => {
        const svc = appService();
        svc.taskSpec.networksAdvanceds = [{ id: "elsewhere" }];
        const result = await evaluatePolicies(
            policies,
            doc([
                { type: NETWORK, name: "net", inputs: unencrypted() },
                { type: SERVICE, name: "api-service", inputs: svc },
            ]),
        );
        expect(result.violations.map((v) => [v.policy, v.level, v.urn.split("::").pop()])).to.deep.equal([
            ["docker-network-require-encryption", "mandatory", "net"],
            ["docker-stack-require-overlay-attachment", "mandatory", "api-service"],
        ]);
        expect(exitCode(result)).to.equal(1);
    });

    it("applies the pack config's enforcement levels: per policy over `all` over the policy's own", async () => {
        const resources = doc([{ type: NETWORK, name: "net", inputs: unencrypted() }]);
        const levels = async (config: object) =>
            (await evaluatePolicies(policies, resources, config as never)).violations.map((v) => v.level);
        expect(await levels({ "docker-network-require-encryption": "advisory" })).to.deep.equal(["advisory"]);
        expect(await levels({ all: "advisory" })).to.deep.equal(["advisory"]);
        expect(
            await levels({ all: "advisory", "docker-network-require-encryption": { enforcementLevel: "remediate" } }),
        ).to.deep.equal(["mandatory"]);
        expect(await levels({ "docker-network-require-encryption": "disabled" })).to.deep.equal([]);
        expect(exitCode(await evaluatePolicies(policies, resources, { all: "advisory" }))).to.equal(0);
    });

    it("passes the policy's config entry, with schema defaults, to getConfig", async () => {
        const net = overlayNetwork();
        net.options["com.docker.network.driver.mtu"] = "9000";
        const resources = doc([{ type: NETWORK, name: "net", inputs: net }]);
        const found = async (config: object) =>
            (await evaluatePolicies(policies, resources, config as never)).violations.map((v) => v.policy);
        expect(await found({})).to.deep.equal(["docker-network-advise-standard-mtu"]);
        expect(await found({ "docker-network-advise-standard-mtu": { standardMtu: 9000 } })).to.deep.equal([]);
        expect(await found({ "docker-network-configure-mtu": { maxMtu: 1500 } })).to.deep.equal([
            "docker-network-configure-mtu",
            "docker-network-advise-standard-mtu",
        ]);
    });

    it("reads deleteBeforeReplace from the document entry", async () => {
        const secret = (deleteBeforeReplace?: boolean) =>
            doc([
                {
                    type: "github:index/actionsSecret:ActionsSecret",
                    name: "token",
                    inputs: {
                        secretName: "T",
                        value: {
                            "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
                            ciphertext: "x",
                        },
                    },
                    deleteBeforeReplace,
                },
            ]);
        expect((await evaluatePolicies(policies, secret(true))).violations).to.deep.equal([]);
        expect((await evaluatePolicies(policies, secret())).violations.map((v) => v.policy)).to.deep.equal([
            "github-actions-secret-require-delete-before-replace",
        ]);
    });

    it("reports a GitHub secret whose value sits in plaintext in the document", async () => {
        const resources = doc([
            {
                type: "github:index/actionsSecret:ActionsSecret",
                name: "token",
                inputs: { secretName: "T", value: "plain" },
                deleteBeforeReplace: true,
            },
        ]);
        expect((await evaluatePolicies(policies, resources)).violations.map((v) => v.message)).to.deep.equal([
            'GitHub Actions secret "T" must be set from a secret value: its `value` is stored in plaintext in the state.',
        ]);
    });

    it("records a throwing policy as a failure (exit 2) and keeps evaluating the others", async () => {
        const broken: ResourceValidationPolicy = {
            name: "broken",
            description: "Checks that nothing.",
            validateResource: () => {
                throw new Error("boom");
            },
        };
        const brokenStack: StackValidationPolicy = {
            name: "broken-stack",
            description: "Checks that nothing.",
            enforcementLevel: "mandatory",
            validateStack: () => {
                throw new Error("bang");
            },
        };
        const result = await evaluatePolicies(
            [broken, brokenStack, ...policies],
            doc([{ type: NETWORK, name: "net", inputs: unencrypted() }]),
        );
        expect(result.failures).to.deep.equal([
            { policy: "broken", urn: `urn:pulumi:prod::sophia-infra::${NETWORK}::net`, error: "boom" },
            { policy: "broken-stack", urn: undefined, error: "bang" },
        ]);
        expect(result.violations.map((v) => v.policy)).to.deep.equal(["docker-network-require-encryption"]);
        expect(exitCode(result)).to.equal(2);
    });

    it("resolves levels like the CLI", () => {
        const p = { name: "x", description: "Checks that x.", enforcementLevel: "mandatory" as const };
        expect(effectiveLevel(p, {}, "advisory")).to.equal("mandatory");
        expect(effectiveLevel({ ...p, enforcementLevel: undefined }, {}, "advisory")).to.equal("advisory");
        expect(effectiveLevel(p, { x: { enforcementLevel: "disabled" } }, "advisory")).to.equal("disabled");
    });
});
