/**
 * Local stand-ins for the public images the stack uses (no registry is reachable here): one Debian bookworm minbase
 * root filesystem (scripts/e2e/rootfs.sh, cached) imported as the base image, then small classic-builder images
 * (test/e2e/images/<name>/Dockerfile) that give each stand-in the official image's entrypoint, paths and users.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Docker from "dockerode";
import { buildImage, followProgress } from "./applier/applier";

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const IMAGES_DIR = path.join(__dirname, "images");

/** Stand-in image tags, by role. */
export const STAND_INS = {
    redis: "sophia-e2e/redis:bookworm",
    postgres: "sophia-e2e/postgres:bookworm",
    prometheus: "sophia-e2e/prometheus:bookworm",
    alertmanager: "sophia-e2e/alertmanager:bookworm",
    nodeExporter: "sophia-e2e/node-exporter:bookworm",
    redisExporter: "sophia-e2e/redis-exporter:bookworm",
    postgresExporter: "sophia-e2e/postgres-exporter:bookworm",
    node: "sophia-e2e/node:20-bookworm",
} as const;
export type StandIn = keyof typeof STAND_INS;

const DIRS: Record<StandIn, string> = {
    redis: "redis",
    postgres: "postgres",
    prometheus: "prometheus",
    alertmanager: "alertmanager",
    nodeExporter: "node-exporter",
    redisExporter: "redis-exporter",
    postgresExporter: "postgres-exporter",
    node: "node",
};

/** Image ids of the stand-ins (Swarm runs an image id without trying a registry). */
export type StandInIds = Record<StandIn, string>;

export interface ImageTimings {
    rootfsMs: number;
    importMs: number;
    buildMs: number;
}

/** Builds or reuses the cached root filesystem tarball; returns its path. */
export function rootfsTarball(log: (l: string) => void): string {
    const out = execFileSync("bash", [path.join(REPO_ROOT, "scripts/e2e/rootfs.sh")], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
    });
    const tarball = out.trim().split("\n").pop()!;
    log(`images: root filesystem ${tarball} (${(fs.statSync(tarball).size / 1e6).toFixed(0)} MB)`);
    return tarball;
}

/** `docker import` through the Engine API (POST /images/create?fromSrc=-). */
async function importBase(docker: Docker, tarball: string, tag: string): Promise<void> {
    const [repo, t] = tag.split(":");
    const stream = await docker.importImage(tarball, { repo, tag: t } as object);
    await followProgress(docker, stream);
}

/** A build context for the node stand-in: its Dockerfile plus the host's node binary, npm and local CA additions. */
function nodeContext(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-e2e-node-"));
    fs.copyFileSync(path.join(IMAGES_DIR, "node", "Dockerfile"), path.join(dir, "Dockerfile"));
    fs.copyFileSync(process.execPath, path.join(dir, "node"));
    const npmDir = [
        path.resolve(path.dirname(process.execPath), "..", "lib", "node_modules", "npm"),
        "/usr/lib/node_modules/npm",
        "/usr/local/lib/node_modules/npm",
    ].find((d) => fs.existsSync(path.join(d, "bin", "npm-cli.js")));
    if (!npmDir) {
        throw new Error(`images: cannot find npm next to ${process.execPath}; the node stand-in needs the host's npm.`);
    }
    fs.cpSync(npmDir, path.join(dir, "npm"), { recursive: true });
    const extraCa = path.join(dir, "extra-ca");
    fs.mkdirSync(extraCa);
    const hostCa = "/usr/local/share/ca-certificates";
    if (fs.existsSync(hostCa)) {
        fs.cpSync(hostCa, extraCa, { recursive: true });
    }
    return dir;
}

/** Imports the base and builds every stand-in; returns their ids and the times taken. */
export async function buildStandIns(
    docker: Docker,
    log: (l: string) => void,
): Promise<{ ids: StandInIds; timings: ImageTimings }> {
    let t = Date.now();
    const tarball = rootfsTarball(log);
    const rootfsMs = Date.now() - t;
    t = Date.now();
    const baseTag = `sophia-e2e/base:${path.basename(tarball, ".tar").replace(/^rootfs-/, "")}`;
    await importBase(docker, tarball, baseTag);
    const importMs = Date.now() - t;
    log(`images: imported ${baseTag} in ${(importMs / 1000).toFixed(1)}s`);
    t = Date.now();
    const ids = {} as StandInIds;
    for (const role of Object.keys(STAND_INS) as StandIn[]) {
        const context = role === "node" ? nodeContext() : path.join(IMAGES_DIR, DIRS[role]);
        try {
            ids[role] = await buildImage(docker, context, {
                t: STAND_INS[role],
                buildargs: JSON.stringify({ BASE: baseTag }),
                rm: "true",
                forcerm: "true",
            });
        } catch (e) {
            throw new Error(
                `images: building the ${role} stand-in (${STAND_INS[role]}) failed: ${(e as Error).message}`,
                { cause: e },
            );
        } finally {
            if (role === "node") {
                fs.rmSync(context, { recursive: true, force: true });
            }
        }
    }
    const buildMs = Date.now() - t;
    log(`images: built ${Object.keys(ids).length} stand-ins in ${(buildMs / 1000).toFixed(1)}s`);
    return { ids, timings: { rootfsMs, importMs, buildMs } };
}
