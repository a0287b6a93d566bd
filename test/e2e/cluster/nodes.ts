/**
 * The private multi-node swarm scripts/e2e/cluster.sh started: its nodes (from <state>/nodes.tsv), an Engine API
 * client per node, and node loss/return through the script (never any other engine).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import Docker from "dockerode";

/** One node of the cluster, as cluster.sh wrote it. */
export interface ClusterNode {
    readonly name: string;
    readonly address: string;
    readonly socket: string;
    readonly role: "manager" | "worker";
    readonly labels: Record<string, string>;
    readonly docker: Docker;
}

const SCRIPT = path.resolve(__dirname, "..", "..", "..", "scripts", "e2e", "cluster.sh");

/** The cluster's state directory (SOPHIA_CLUSTER_STATE, set by scripts/e2e/run-cluster.sh). */
export function clusterState(): string {
    const state = process.env.SOPHIA_CLUSTER_STATE;
    if (!state || !fs.existsSync(path.join(state, "nodes.tsv"))) {
        throw new Error(
            "SOPHIA_CLUSTER_STATE does not name a running cluster: run the suite through `npm run test:e2e:cluster`, which starts one with scripts/e2e/cluster.sh.",
        );
    }
    return state;
}

/** The cluster's nodes, manager first. */
export function clusterNodes(state = clusterState()): ClusterNode[] {
    return fs
        .readFileSync(path.join(state, "nodes.tsv"), "utf8")
        .trim()
        .split("\n")
        .map((line) => {
            const [name, address, socket, role, labels] = line.split("\t");
            return {
                name,
                address,
                socket,
                role: role as ClusterNode["role"],
                labels: Object.fromEntries((labels ?? "").split(",").map((kv) => kv.split("=", 2) as [string, string])),
                docker: new Docker({ socketPath: socket }),
            };
        });
}

/** A machine dying (link down, dockerd and its containers killed) or coming back, through cluster.sh. */
export function setNode(state: string, node: string, up: boolean): void {
    execFileSync("bash", [SCRIPT, up ? "node-up" : "node-down", state, node], {
        stdio: ["ignore", "inherit", "inherit"],
    });
}
