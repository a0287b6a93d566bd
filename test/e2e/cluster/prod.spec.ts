/**
 * End to end on a multi-node swarm: the cluster scripts/e2e/cluster.sh brings up (one dockerd per network namespace
 * on one MTU-9000 bridge) meets the prod placement contract, then the prod stack is deployed and checked.
 */
import { expect } from "chai";
import { log } from "../engine";
import { buildStandIns, StandIn } from "../images";
import * as fs from "fs";
import * as path from "path";
import { ClusterNode, clusterNodes, clusterState } from "./nodes";
import { ProbeTask, sendDatagram, startProbe, stopProbe } from "./overlayProbe";
import { ClusterRegistry, clusterRegistry, pullOnNode, pushStandIns, registryAuth, registryStatus } from "./registry";

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

describe("e2e cluster: the prod stack on a multi-node Docker Swarm", function () {
    let nodes: ClusterNode[];
    let registry: ClusterRegistry;
    /** The stand-in images as pushed to the cluster's registry (`repo@sha256:...`), by role. */
    let pushed: Record<StandIn, string>;

    before(async function () {
        nodes = clusterNodes();
        registry = clusterRegistry();
        const manager = nodes[0].docker;
        // Built once, on the manager; every other node pulls them from the registry.
        const { timings } = await buildStandIns(manager, log);
        const t = Date.now();
        pushed = await pushStandIns(manager, registry);
        const pushMs = Date.now() - t;
        log(
            `stand-in images: rootfs ${seconds(timings.rootfsMs)}, import ${seconds(timings.importMs)}, builds ${seconds(timings.buildMs)}, push to ${registry.server} ${seconds(pushMs)}`,
        );
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

    describe("the registry", () => {
        it("answers only authenticated clients, over TLS signed by the suite's CA", async () => {
            expect(await registryStatus(registry, false), "GET /v2/ without credentials").to.equal(401);
            expect(await registryStatus(registry, true), "GET /v2/ with the deploy credentials").to.equal(200);
        });

        it("lets a worker pull a pushed image by digest with the credentials, and refuses it without", async () => {
            const worker = nodes.find((n) => n.role === "worker")!;
            const ref = pushed.redis;
            let refused = "";
            await pullOnNode(worker.docker, ref).catch((e) => {
                refused = (e as Error).message;
            });
            expect(refused, `${worker.name} pulling ${ref} without credentials`).to.match(
                /unauthorized|no basic auth|authentication required/i,
            );
            await pullOnNode(worker.docker, ref, registryAuth(registry));
            const image = await worker.docker.getImage(ref).inspect();
            expect(image.RepoDigests, `${worker.name} has ${ref}`).to.include(ref);
            log(
                `registry: ${worker.name} pulled ${ref} through TLS with its certs.d CA, refused without credentials (${refused.slice(0, 80)})`,
            );
        });
    });

    describe("the cross-node data plane (overlays of the suite's own, one probe task per node)", () => {
        const pair = (tasks: ProbeTask[]) => {
            // A worker to another worker: traffic that must leave the node through VXLAN on the bridge.
            const [a, b] = tasks.filter((t) => t.node !== nodes[0].name);
            return { a, b };
        };

        it("on a 9000-MTU overlay, a don't-fragment datagram of (container MTU - 28) bytes crosses nodes and one byte more does not", async () => {
            const name = "scl-probe-jumbo";
            const tasks = await startProbe(nodes[0].docker, nodes, {
                name,
                mtu: 9000,
                encrypted: false,
                image: pushed.redis,
                auth: registryAuth(registry),
            });
            try {
                expect(
                    tasks.map((t) => t.mtu),
                    "container MTU: the underlay's 9000 minus VXLAN's 50",
                ).to.deep.equal(tasks.map(() => 8950));
                const { a, b } = pair(tasks);
                const fits = await sendDatagram(a, b, a.mtu - 28);
                expect(fits, `${a.node} -> ${b.node}, ${a.mtu - 28} bytes with DF`).to.deep.equal({
                    sent: "sent",
                    received: a.mtu - 28,
                });
                const tooBig = await sendDatagram(a, b, a.mtu - 27, 2);
                expect(tooBig, `${a.node} -> ${b.node}, ${a.mtu - 27} bytes with DF`).to.deep.equal({
                    sent: "error EMSGSIZE",
                    received: "timeout",
                });
                log(
                    `data plane: ${a.node} -> ${b.node} on a 9000 overlay (container MTU ${a.mtu}): ${a.mtu - 28} bytes with DF crossed, ${a.mtu - 27} refused (EMSGSIZE)`,
                );
            } finally {
                await stopProbe(nodes[0].docker, name);
            }
        });

        it("on an encrypted overlay, cross-node traffic is what this kernel allows (printed)", async () => {
            const name = "scl-probe-encrypted";
            const tasks = await startProbe(nodes[0].docker, nodes, {
                name,
                mtu: 9000,
                encrypted: true,
                image: pushed.redis,
                auth: registryAuth(registry),
            });
            try {
                // IPsec costs 26 more bytes (rounded to 4): 9000 - 50 - 26 -> 8924.
                expect(
                    tasks.map((t) => t.mtu),
                    "container MTU on the encrypted overlay",
                ).to.deep.equal(tasks.map(() => 8924));
                const { a, b } = pair(tasks);
                const small = await sendDatagram(a, b, 100, 3);
                expect(small.sent, "the sender can always send").to.equal("sent");
                const state = clusterState();
                const espFailures = nodes
                    .map((n) => fs.readFileSync(path.join(state, n.name, "dockerd.log"), "utf8"))
                    .join("\n")
                    .split("\n")
                    .filter((l) => /Failed (Adding|adding).*esp/i.test(l) || /esp.*function not implemented/i.test(l));
                if (small.received === 100) {
                    log(
                        `data plane: the encrypted overlay carries traffic between nodes on this kernel (${a.node} -> ${b.node})`,
                    );
                } else {
                    // Nothing crosses: the kernel cannot install the ESP states; dockerd says so in its log.
                    expect(
                        espFailures.length,
                        "dockerd logged why the encrypted overlay carries nothing",
                    ).to.be.greaterThan(0);
                    log(
                        `data plane: FINDING: the encrypted overlay passes NOTHING between nodes on this kernel (${a.node} -> ${b.node}: 100 bytes sent, none received); dockerd: ${espFailures[0].slice(0, 200)}`,
                    );
                }
            } finally {
                await stopProbe(nodes[0].docker, name);
            }
        });
    });
});
