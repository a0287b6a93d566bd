/**
 * Deploys the dev stack onto the private swarm: evaluates index.ts exactly as `npm run plan -- --stack dev` does,
 * with the e2e applier as the resource hook, and config overrides that only select the local stand-in images, the
 * fakes' URLs and free host ports (everything else is the dev stack as planned).
 */
import * as net from "net";
import * as path from "path";
import Docker from "dockerode";
import { evaluateStack, Evaluation } from "../../scripts/offline/evaluateStack";
import { resolveStackConfig } from "../../scripts/offline/stackFiles";
import { EngineApplier } from "./applier/applier";
import { STAND_INS } from "./images";
import { log } from "./engine";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
const NS = "sophia-infra";

/** A TCP port nothing listens on right now. */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.once("error", reject);
        srv.listen(0, "0.0.0.0", () => {
            const port = (srv.address() as net.AddressInfo).port;
            srv.close(() => resolve(port));
        });
    });
}

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Published host ports of the deployment, by `<service>:<target>`, after the e2e moved them to free ports. */
export type PortMap = Record<string, number>;

/** Replaces each published port with a free one (the dev stack's fixed ports may be taken on a shared machine). */
async function freePublish(list: { target: number; published: number }[] | undefined, service: string, ports: PortMap) {
    if (!list) {
        return list;
    }
    const out = [];
    for (const p of list) {
        const port = await freePort();
        ports[`${service}:${p.target}`] = port;
        out.push({ ...p, published: port });
    }
    return out;
}

export interface Deployment {
    readonly evaluation: Evaluation;
    readonly applier: EngineApplier;
    readonly ports: PortMap;
    readonly overrides: Record<string, string>;
    /** Wall time of the evaluation (every resource applied, services converged as the provider would wait). */
    readonly applyMs: number;
}

/** The config overrides of the e2e: stand-in images and free ports; the rest of the dev stack stays as planned. */
export async function e2eOverrides(extra: (config: Record<string, Obj>) => void = () => undefined): Promise<{ overrides: Record<string, string>; ports: PortMap }> {
    const resolved = resolveStackConfig(REPO_ROOT, "dev").config;
    const read = (key: string): Obj | undefined => (resolved[`${NS}:${key}`] ? JSON.parse(resolved[`${NS}:${key}`]) : undefined);
    const ports: PortMap = {};
    const config: Record<string, Obj> = {};

    const redis = read("redis") ?? {};
    config.redis = { ...redis, image: STAND_INS.redis, publish: await freePublish(redis.publish, "redis", ports) };
    const postgres = read("postgres") ?? {};
    config.postgres = { ...postgres, image: STAND_INS.postgres, publish: await freePublish(postgres.publish, "postgres", ports) };
    // Parts not yet covered by the e2e stay off for now (switched on as their checks land).
    if (resolved[`${NS}:monitoring`] !== undefined) {
        config.monitoring = { ...(read("monitoring") ?? {}), enabled: false };
    }
    if (resolved[`${NS}:runtime`] !== undefined) {
        const runtime = read("runtime") ?? {};
        config.runtime = { ...runtime, chatCache: { ...(runtime.chatCache ?? {}), enabled: false } };
    }
    extra(config);
    const overrides = Object.fromEntries(Object.entries(config).map(([k, v]) => [`${NS}:${k}`, JSON.stringify(v)]));
    return { overrides, ports };
}

/** Evaluates the dev stack with the engine applier. */
export async function deployDevStack(docker: Docker, overrides: Record<string, string>, ports: PortMap): Promise<Deployment> {
    const applier = new EngineApplier({ docker, projectDir: REPO_ROOT, log });
    const started = Date.now();
    const evaluation = await evaluateStack({ stack: "dev", preview: false, onResource: applier.hook, configOverrides: overrides });
    return { evaluation, applier, ports, overrides, applyMs: Date.now() - started };
}
