import { expect } from "chai";
import { dockerStackRequireOverlayAttachment as policy } from "../../../policies/stack/dockerStackRequireOverlayAttachment";
import { appService, NETWORK, overlayNetwork, SERVICE } from "../fixtures";
import { assertMetadata, runStackPolicy, StackResource } from "../util";

const network = (): StackResource => ({
    type: NETWORK,
    name: "sophia-overlay-network",
    props: { id: "net-overlay-id", ...overlayNetwork() },
});
const service = (refs: object[] | undefined, name = "api-service"): StackResource => {
    const props = appService();
    props.taskSpec.networksAdvanceds = refs;
    return { type: SERVICE, name, props };
};
const urn = (name: string) => `urn:pulumi:test::sophia-infra::${SERVICE}::${name}`;
const MESSAGE = 'Service "api" must be attached to an overlay network of the stack.';

describe("docker-stack-require-overlay-attachment", () => {
    it("has the pack's metadata", () => assertMetadata(policy, "docker-stack-require-overlay-attachment", "mandatory"));

    it("passes a service attached by id (or by name) to a stack overlay", async () => {
        expect(await runStackPolicy(policy, [network(), service([{ id: "net-overlay-id" }])])).to.deep.equal([]);
        expect(await runStackPolicy(policy, [network(), service([{ name: "sophia-overlay" }])])).to.deep.equal([]);
    });

    it("fails a service on no network", async () => {
        expect(await runStackPolicy(policy, [network(), service(undefined)])).to.deep.equal([
            [urn("api-service"), MESSAGE],
        ]);
    });

    it("fails a service attached only to a network outside the stack", async () => {
        expect(await runStackPolicy(policy, [network(), service([{ id: "some-other-network" }])])).to.deep.equal([
            [urn("api-service"), MESSAGE],
        ]);
    });

    it("fails a service attached only to a bridge network of the stack", async () => {
        const bridge: StackResource = {
            type: NETWORK,
            name: "local",
            props: { id: "bridge-id", name: "local", driver: "bridge" },
        };
        expect(await runStackPolicy(policy, [bridge, service([{ id: "bridge-id" }])])).to.deep.equal([
            [urn("api-service"), MESSAGE],
        ]);
    });

    it("accepts the taskSpec dependency on a stack overlay when network ids are unknown during preview", async () => {
        const svc = service([]);
        const props = svc.props;
        const unknown = new Proxy(
            {},
            {
                get: () => {
                    throw new Error("Array value at .taskSpec.networksAdvanceds can't be known during preview");
                },
            },
        );
        svc.props = {
            ...props,
            taskSpec: new Proxy(props.taskSpec, {
                get: (t, k) => (k === "networksAdvanceds" ? (unknown as any).x : t[k]),
            }),
        };
        svc.taskSpecDependsOn = ["sophia-overlay-network"];
        expect(await runStackPolicy(policy, [network(), svc])).to.deep.equal([]);
        svc.taskSpecDependsOn = [];
        expect(await runStackPolicy(policy, [network(), svc])).to.deep.equal([[urn("api-service"), MESSAGE]]);
    });
});
