/**
 * The cluster's image registry (scripts/e2e/registry.sh: Debian's docker-registry on the cluster bridge, htpasswd
 * auth over TLS with a CA every node trusts) and pushing the stand-in images to it from the manager, so the other
 * nodes pull them as they would pull from a production registry.
 */
import * as fs from "fs";
import * as https from "https";
import Docker from "dockerode";
import { followProgress, pushImage } from "../applier/applier";
import { RegistryAuth } from "../applier/specs";
import { STAND_INS, StandIn } from "../images";

/** Where the registry listens and how to log in (from the environment scripts/e2e/run-cluster.sh sets). */
export interface ClusterRegistry {
    /** host:port, as image references and X-Registry-Auth name it. */
    readonly server: string;
    readonly username: string;
    readonly password: string;
    /** PEM of the CA that signed the registry's certificate. */
    readonly ca: string;
}

/** The registry run-cluster.sh started. */
export function clusterRegistry(): ClusterRegistry {
    const [server, username, passwordFile, caFile] = (process.env.SOPHIA_CLUSTER_REGISTRY ?? "").split(" ");
    if (!server || !passwordFile || !caFile) {
        throw new Error(
            "SOPHIA_CLUSTER_REGISTRY is not set: run the suite through `npm run test:e2e:cluster`, which starts the registry with scripts/e2e/registry.sh.",
        );
    }
    return {
        server,
        username,
        password: fs.readFileSync(passwordFile, "utf8").trim(),
        ca: fs.readFileSync(caFile, "utf8"),
    };
}

/** The Engine API's credentials for the registry. */
export function registryAuth(r: ClusterRegistry): RegistryAuth {
    return { serveraddress: r.server, username: r.username, password: r.password };
}

/** Status of GET https://<registry>/v2/ (trusting only the suite's CA), with or without credentials. */
export function registryStatus(r: ClusterRegistry, withAuth: boolean): Promise<number> {
    const [host, port] = r.server.split(":");
    return new Promise((resolve, reject) => {
        const req = https.get(
            {
                host,
                port: Number(port),
                path: "/v2/",
                ca: r.ca,
                timeout: 10000,
                auth: withAuth ? `${r.username}:${r.password}` : undefined,
            },
            (res) => {
                res.resume();
                resolve(res.statusCode ?? 0);
            },
        );
        req.on("error", reject);
        req.on("timeout", () => req.destroy(new Error(`no answer from https://${r.server}/v2/ within 10s`)));
    });
}

/** Tags a local image into the registry and pushes it; returns `repo@sha256:...`. */
export async function pushToRegistry(
    docker: Docker,
    r: ClusterRegistry,
    local: string,
    repoTag: string,
): Promise<string> {
    const target = `${r.server}/${repoTag}`;
    const colon = target.lastIndexOf(":");
    await docker.getImage(local).tag({ repo: target.slice(0, colon), tag: target.slice(colon + 1) });
    const digest = await pushImage(docker, target, registryAuth(r));
    return `${target.slice(0, colon)}@${digest}`;
}

/** Pulls an image on a node with (or without) the registry's credentials; rejects with the daemon's error. */
export async function pullOnNode(docker: Docker, ref: string, auth?: RegistryAuth): Promise<void> {
    const stream = (await docker.pull(ref, auth ? { authconfig: auth } : {})) as NodeJS.ReadableStream;
    await followProgress(docker, stream);
}

/** Pushes every stand-in from the manager; returns their `repo@digest` references by role. */
export async function pushStandIns(
    manager: Docker,
    r: ClusterRegistry,
    roles: readonly StandIn[] = Object.keys(STAND_INS) as StandIn[],
): Promise<Record<StandIn, string>> {
    const refs = {} as Record<StandIn, string>;
    for (const role of roles) {
        refs[role] = await pushToRegistry(manager, r, STAND_INS[role], STAND_INS[role]);
    }
    return refs;
}
