/**
 * End to end on a multi-node swarm: the cluster scripts/e2e/cluster.sh brings up (one dockerd per network namespace
 * on one MTU-9000 bridge) meets the prod placement contract, then the prod stack is deployed and checked.
 */
import { expect } from "chai";
import { ClusterNode, clusterNodes } from "./nodes";

describe("e2e cluster: the prod stack on a multi-node Docker Swarm", function () {
    let nodes: ClusterNode[];

    before(() => {
        nodes = clusterNodes();
    });

    describe("the cluster", () => {
        it("has one manager and workers, every node Ready with the labels of the prod contract", async () => {
            const manager = nodes[0].docker;
            const engine = await manager.listNodes();
            expect(engine.map((n) => n.Description?.Hostname).sort()).to.deep.equal(nodes.map((n) => n.name).sort());
            for (const n of nodes) {
                const e = engine.find((x) => x.Description?.Hostname === n.name)!;
                expect(e.Status?.State, `${n.name} state`).to.equal("ready");
                expect(e.Spec?.Role, `${n.name} role`).to.equal(n.role);
                expect(e.Spec?.Labels, `${n.name} labels`).to.deep.equal(n.labels);
            }
            expect(nodes.filter((n) => n.role === "manager")).to.have.length(1);
            expect(nodes.filter((n) => n.role === "worker").length).to.be.at.least(3);
        });

        it("advertises the NVIDIA-GPU generic resources on the GPU node only", async () => {
            const engine = await nodes[0].docker.listNodes();
            for (const n of nodes) {
                const e = engine.find((x) => x.Description?.Hostname === n.name)!;
                const gpus = (e.Description?.Resources?.GenericResources ?? []).filter(
                    (g: { NamedResourceSpec?: { Kind?: string } }) => g.NamedResourceSpec?.Kind === "NVIDIA-GPU",
                );
                if (n.labels.gpu === "true") {
                    expect(gpus.length, `${n.name} GPUs`).to.be.greaterThan(0);
                } else {
                    expect(gpus, `${n.name} has no GPU`).to.have.length(0);
                }
            }
        });
    });
});
