import { expect } from "chai";
import { DocumentError, parseDocument, REDACTED } from "../../../policies/offline/document";
import { knownSecretPaths } from "../../../policies/lib/secrets";

const SIG = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270" };
const NET_URN =
    "urn:pulumi:prod::sophia-infra::sophia:swarm:OverlayNetwork$docker:index/network:Network::sophia-overlay-network";

/** A trimmed `pulumi stack export` (real ciphertext, ids, dependencies). */
const exportDoc = {
    version: 3,
    deployment: {
        manifest: { time: "2026-11-26T00:00:00Z", version: "v3.200.0" },
        secrets_providers: { type: "service" },
        resources: [
            {
                urn: "urn:pulumi:prod::sophia-infra::pulumi:pulumi:Stack::sophia-infra-prod",
                custom: false,
                type: "pulumi:pulumi:Stack",
            },
            {
                urn: NET_URN,
                custom: true,
                id: "k2j3h4g5",
                type: "docker:index/network:Network",
                inputs: { driver: "overlay", name: "sophia-overlay" },
                outputs: { driver: "overlay", name: "sophia-overlay" },
            },
            {
                urn: "urn:pulumi:prod::sophia-infra::github:index/actionsSecret:ActionsSecret::deploy-token",
                custom: true,
                id: "repo:DEPLOY_TOKEN",
                type: "github:index/actionsSecret:ActionsSecret",
                deleteBeforeReplace: true,
                inputs: { repository: "repo", secretName: "DEPLOY_TOKEN", value: { ...SIG, ciphertext: "v1:AAAA" } },
                outputs: { secretName: "DEPLOY_TOKEN", value: { ...SIG, ciphertext: "v1:BBBB" } },
                dependencies: [NET_URN],
                propertyDependencies: { value: [NET_URN] },
            },
            {
                urn: "urn:pulumi:prod::sophia-infra::docker:index/network:Network::old",
                custom: true,
                type: "docker:index/network:Network",
                delete: true,
                inputs: {},
            },
        ],
    },
};

describe("policy document", () => {
    it("reads a stack export: names from URNs, ids among outputs, options and dependencies, pending deletes dropped", () => {
        const doc = parseDocument(JSON.stringify(exportDoc), "export.json");
        expect(doc.resources.map((r) => r.name)).to.deep.equal([
            "sophia-infra-prod",
            "sophia-overlay-network",
            "deploy-token",
        ]);
        const [, net, secret] = doc.resources;
        expect(net.outputs).to.deep.equal({ driver: "overlay", name: "sophia-overlay", id: "k2j3h4g5" });
        expect(secret.deleteBeforeReplace).to.equal(true);
        expect(secret.dependencies).to.deep.equal([NET_URN]);
        expect(doc.stack).to.equal(undefined);
    });

    it("replaces ciphertext secrets by a stand-in and records where secrets were", () => {
        const secret = parseDocument(JSON.stringify(exportDoc), "export.json").resources[2];
        expect(secret.inputs.value).to.equal(REDACTED);
        expect(JSON.stringify(secret)).to.not.include("v1:AAAA");
        expect([...knownSecretPaths(secret.inputs)!]).to.deep.equal(["value"]);
        expect([...knownSecretPaths(secret.outputs)!]).to.deep.equal(["value"]);
    });

    it("unwraps --show-secrets plaintext (JSON-encoded) and nested secret paths", () => {
        const doc = parseDocument(
            JSON.stringify({
                deployment: {
                    resources: [
                        {
                            urn: "urn:pulumi:dev::p::docker:index/service:Service::api",
                            type: "docker:index/service:Service",
                            inputs: {
                                taskSpec: {
                                    containerSpec: {
                                        env: { A: { ...SIG, plaintext: '"hunter2"' } },
                                        args: [{ ...SIG, plaintext: "[1,2]" }],
                                    },
                                },
                            },
                        },
                    ],
                },
                offline: { stack: "dev" },
            }),
            "plan.json",
        );
        const r = doc.resources[0];
        expect(r.inputs).to.deep.equal({ taskSpec: { containerSpec: { env: { A: "hunter2" }, args: [[1, 2]] } } });
        expect([...knownSecretPaths(r.inputs)!]).to.deep.equal([
            "taskSpec.containerSpec.env.A",
            "taskSpec.containerSpec.args.0",
        ]);
        expect(doc.stack).to.equal("dev");
    });

    const malformed: [string, string, string][] = [
        ["not JSON", "{", "x.json is not valid JSON"],
        ["no deployment", '{"version": 3}', "x.json has no `deployment.resources` array"],
        ["resources not a list", '{"deployment": {"resources": {}}}', "x.json has no `deployment.resources` array"],
        ["JSON null", "null", "x.json has no `deployment.resources` array"],
        [
            "an entry without urn",
            '{"deployment": {"resources": [{"type": "t"}]}}',
            "x.json: deployment.resources[0] must have string `urn` and `type` fields.",
        ],
        [
            "inputs not an object",
            '{"deployment": {"resources": [{"urn": "u", "type": "t", "inputs": [1]}]}}',
            "x.json: deployment.resources[0].inputs must be an object.",
        ],
    ];
    for (const [what, text, message] of malformed) {
        it(`rejects ${what} with a DocumentError naming the problem`, () => {
            expect(() => parseDocument(text, "x.json")).to.throw(DocumentError, message);
        });
    }
});
