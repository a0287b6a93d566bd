/**
 * Deploys the dev stack onto the private swarm: evaluates index.ts exactly as `npm run plan -- --stack dev` does,
 * with the e2e applier as the resource hook, and config overrides that select the local stand-in images, the fakes'
 * URLs, tokens and sync mapping, free host ports, and switch off what cannot run here (Grafana and cAdvisor: no
 * Debian package; GitHub secrets managed by Pulumi: no github provider in the applier). Everything else is the dev
 * stack as planned.
 */
import * as net from "net";
import * as path from "path";
import Docker from "dockerode";
import { evaluateStack, Evaluation } from "../../scripts/offline/evaluateStack";
import { resolveStackConfig } from "../../scripts/offline/stackFiles";
import { EngineApplier } from "./applier/applier";
import { FAKE_ESC_TOKEN, FAKE_GITHUB_TOKEN, FAKES, FakeName, FakeSeeds, startFakes } from "./fakes/services";
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

type Obj = Record<string, any>;

/** Which parts of the platform the e2e deploys and checks (the others are switched off by their config switches). */
export const PARTS = { chatCache: true, monitoring: true, syncMonitor: true } as const;

/** The GitHub repository secret the e2e sync-monitor watches. */
export const SYNC_TARGET = { owner: "sophia-ai", repo: "sophia-api", name: "SOPHIA_DATABASE_URL" } as const;
/** The ESC value it must hold (a marked secret in the fake ESC). */
export const SYNC_ESC_VALUE = "postgres://app:e2e-esc-value-1@db.internal:5432/app";
/** The sync-monitor mapping of the e2e stack: one secret, checked every 10 s, heals enabled (high risk needs approval). */
export const SYNC_MAPPING = {
    version: 1,
    esc: { environment: "sophia/platform/e2e" },
    checkIntervalSeconds: 10,
    thresholds: { healthPercent: 85, failedChecksCritical: 3, clockSkewSeconds: 2 },
    heal: { enabled: true },
    secrets: [
        {
            key: "api.databaseUrl",
            targets: [{ scope: "repo", owner: SYNC_TARGET.owner, repo: SYNC_TARGET.repo, name: SYNC_TARGET.name }],
        },
    ],
} as const;

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

async function hostPort(ports: PortMap, key: string): Promise<number> {
    ports[key] = await freePort();
    return ports[key];
}

export interface Deployment {
    readonly evaluation: Evaluation;
    readonly applier: EngineApplier;
    readonly ports: PortMap;
    readonly overrides: Record<string, string>;
    /** Wall time of the evaluation (every resource applied, services converged as the provider would wait). */
    readonly applyMs: number;
    /** When the evaluation started (Date.now()). */
    readonly startedAt: number;
}

/** The config overrides of the e2e (see the file comment) and the fakes' seeds; the rest of the dev stack stays as planned. */
export async function e2eOverrides(): Promise<{ overrides: Record<string, string>; ports: PortMap; seeds: FakeSeeds }> {
    const resolved = resolveStackConfig(REPO_ROOT, "dev").config;
    const read = (key: string): Obj | undefined =>
        resolved[`${NS}:${key}`] ? JSON.parse(resolved[`${NS}:${key}`]) : undefined;
    const ports: PortMap = {};
    const config: Record<string, any> = {};

    const redis = read("redis") ?? {};
    config.redis = { ...redis, image: STAND_INS.redis, publish: await freePublish(redis.publish, "redis", ports) };
    const postgres = read("postgres") ?? {};
    config.postgres = {
        ...postgres,
        image: STAND_INS.postgres,
        publish: await freePublish(postgres.publish, "postgres", ports),
    };
    const runtime = read("runtime");
    if (runtime !== undefined) {
        // The runtime Dockerfiles build FROM the node stand-in (their BASE_IMAGE build argument).
        config.runtime = { ...runtime, baseImage: STAND_INS.node };
        if (PARTS.chatCache) {
            config.runtime.chatCache = {
                ...(runtime.chatCache ?? {}),
                enabled: true,
                upstreamBaseUrl: `http://${FAKES.upstream.name}:${FAKES.upstream.port}/v1`,
                publish: await hostPort(ports, "chat-cache:8080"),
            };
        } else {
            config.runtime.chatCache = { ...(runtime.chatCache ?? {}), enabled: false };
        }
    }
    const seeds: FakeSeeds = {};
    if (PARTS.syncMonitor) {
        // The sync-monitor watches one ESC value that must exist as a repository secret in the fake GitHub.
        config.github = { sync: SYNC_MAPPING, manageSecrets: false };
        config.githubToken = FAKE_GITHUB_TOKEN;
        config.pulumiAccessToken = FAKE_ESC_TOKEN;
        config.runtime = {
            ...(config.runtime ?? {}),
            syncMonitor: {
                ...((config.runtime ?? {}).syncMonitor ?? {}),
                githubApiUrl: `http://${FAKES.github.name}:${FAKES.github.port}`,
                pulumiBackendUrl: `http://${FAKES.esc.name}:${FAKES.esc.port}`,
                publish: await hostPort(ports, "sync-monitor:9091"),
            },
        };
        seeds.github = { orgs: [SYNC_TARGET.owner], repos: [{ owner: SYNC_TARGET.owner, repo: SYNC_TARGET.repo }] };
        seeds.esc = {
            [SYNC_MAPPING.esc.environment]: {
                values: { api: { databaseUrl: SYNC_ESC_VALUE } },
                secrets: ["api.databaseUrl"],
            },
        };
    }
    const monitoring = read("monitoring");
    if (monitoring !== undefined) {
        config.monitoring = PARTS.monitoring
            ? {
                  ...monitoring,
                  enabled: true,
                  // Grafana and cAdvisor have no Debian package to build a stand-in from: left out by their switches.
                  grafana: false,
                  cadvisor: false,
                  images: {
                      prometheus: STAND_INS.prometheus,
                      alertmanager: STAND_INS.alertmanager,
                      nodeExporter: STAND_INS.nodeExporter,
                      redisExporter: STAND_INS.redisExporter,
                      postgresExporter: STAND_INS.postgresExporter,
                  },
                  publish: {
                      prometheus: await hostPort(ports, "prometheus:9090"),
                      alertmanager: await hostPort(ports, "alertmanager:9093"),
                  },
                  slack: { channel: "#sophia-e2e" },
              }
            : { ...monitoring, enabled: false };
        if (PARTS.monitoring) {
            // Alertmanager's Slack receiver posts to the webhook sink on the overlay.
            config.slackWebhookUrl = `http://${FAKES.sink.name}:${FAKES.sink.port}/services/T0E2E/B0E2E/e2e-webhook`;
        }
    }
    const overridesOut = Object.fromEntries(
        Object.entries(config).map(([k, v]) => [`${NS}:${k}`, typeof v === "string" ? v : JSON.stringify(v)]),
    );
    return { overrides: overridesOut, ports, seeds };
}

/** Evaluates the dev stack with the engine applier; the fakes start on the first overlay as soon as it exists. */
export async function deployDevStack(
    docker: Docker,
    overrides: Record<string, string>,
    ports: PortMap,
    seeds: FakeSeeds = {},
): Promise<Deployment> {
    const fakePorts = {} as Record<FakeName, number>;
    for (const f of Object.keys(FAKES) as FakeName[]) {
        fakePorts[f] = await hostPort(ports, `fake:${f}`);
    }
    let fakesStarted = false;
    const applier = new EngineApplier({
        docker,
        projectDir: REPO_ROOT,
        log,
        onNetwork: async (name, id) => {
            if (fakesStarted) {
                return;
            }
            fakesStarted = true;
            const t = Date.now();
            await startFakes(docker, { repoRoot: REPO_ROOT, networkId: id, hostPorts: fakePorts, seeds });
            await Promise.all(
                (Object.keys(FAKES) as FakeName[]).map((f) =>
                    waitHttp(`http://127.0.0.1:${fakePorts[f]}/`, `fake ${FAKES[f].name}`),
                ),
            );
            log(
                `fakes ${Object.values(FAKES)
                    .map((f) => f.name)
                    .join(", ")} answering on ${name} (${((Date.now() - t) / 1000).toFixed(1)}s)`,
            );
        },
    });
    const started = Date.now();
    const evaluation = await evaluateStack({
        stack: "dev",
        preview: false,
        onResource: applier.hook,
        configOverrides: overrides,
    });
    return { evaluation, applier, ports, overrides, applyMs: Date.now() - started, startedAt: started };
}

/** Waits until a URL answers HTTP at all (any status). */
async function waitHttp(url: string, what: string, timeoutMs = 60000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        try {
            await fetch(url, { signal: AbortSignal.timeout(2000) });
            return;
        } catch (e) {
            if (Date.now() > deadline) {
                throw new Error(
                    `${what} did not answer on ${url} within ${timeoutMs / 1000}s: ${(e as Error).message}`,
                    { cause: e },
                );
            }
            await new Promise((r) => setTimeout(r, 500));
        }
    }
}
