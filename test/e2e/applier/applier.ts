/**
 * The e2e resource hook for `evaluateStack`: applies each resource the program registers to the private Docker
 * engine through the Engine API (dockerode over the unix socket), the way the docker and random providers would on
 * `pulumi up`, and returns the provider-shaped `{id, state}`. Unknown resource types and unmapped input fields fail.
 */
import * as fs from "fs";
import * as path from "path";
import Docker from "dockerode";
import {
    AppliedResource,
    PlannedResource,
    SECRET_SIG,
    SECRET_SIG_VALUE,
    unwrapSecrets,
} from "../../../scripts/offline/evaluateStack";
import {
    configSpec,
    imageBuild,
    networkSpec,
    randomPassword,
    RegistryAuth,
    secretSpec,
    serviceSpec,
    TYPES,
    volumeSpec,
} from "./specs";

/** One applied resource, for the test's report. */
export interface AppliedRecord {
    type: string;
    name: string;
    id: string;
    /** Engine object name (networks, services, secrets, ...). */
    engineName?: string;
    /** Milliseconds the apply took (image builds and converging services take the time). */
    ms: number;
}

export interface ApplierOptions {
    readonly docker: Docker;
    readonly projectDir: string;
    /** Progress lines (builds, convergence); defaults to stderr. */
    readonly log?: (line: string) => void;
    /**
     * Called once a network exists and before the program can attach services to it (the hook is awaited): the e2e
     * starts its fakes of external SaaS on the stack's overlay here, so they answer from the first task on.
     */
    readonly onNetwork?: (name: string, id: string) => Promise<void>;
}

/** Waits for `ms` milliseconds. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Follows a build/import progress stream; rejects with the daemon's error message. */
export function followProgress(
    docker: Docker,
    stream: NodeJS.ReadableStream,
    onLine?: (s: string) => void,
): Promise<any[]> {
    return new Promise((resolve, reject) => {
        docker.modem.followProgress(
            stream,
            (err: Error | null, out: any[]) => {
                if (err) {
                    reject(err);
                    return;
                }
                const failed = out.find((o) => o.error || o.errorDetail);
                if (failed) {
                    reject(new Error(failed.error ?? failed.errorDetail?.message));
                    return;
                }
                resolve(out);
            },
            (ev: any) => {
                if (onLine && typeof ev.stream === "string" && ev.stream.trim()) {
                    onLine(ev.stream.trimEnd());
                }
            },
        );
    });
}

/** Builds an image with the classic builder (no BuildKit), honouring the context's .dockerignore; returns its id. */
export async function buildImage(
    docker: Docker,
    context: string,
    query: Record<string, string>,
    onLine?: (s: string) => void,
): Promise<string> {
    const stream = await docker.buildImage({ context, src: fs.readdirSync(context) }, {
        ...query,
        version: "1",
    } as Docker.ImageBuildOptions);
    await followProgress(docker, stream, onLine);
    // The tag names the final stage (aux IDs in the stream also name intermediate stages of multi-stage builds).
    const image = await docker.getImage(query.t).inspect();
    return image.Id;
}

/**
 * Pushes a local image (its name carries the registry host) with the given credentials, as the provider does after
 * a build; returns the manifest digest the registry reports.
 */
export async function pushImage(docker: Docker, name: string, auth: RegistryAuth): Promise<string> {
    const stream = (await docker.getImage(name).push({ authconfig: auth })) as unknown as NodeJS.ReadableStream;
    const out = await followProgress(docker, stream);
    const digest = out.map((o) => o.aux?.Digest as string | undefined).find((d) => d);
    if (!digest) {
        throw new Error(`pushing ${name} to ${auth.serveraddress} reported no digest`);
    }
    return digest;
}

/** `repo@sha256:...` for a pushed `repo:tag` (the provider's `repoDigest`). */
export function repoDigestOf(imageName: string, digest: string): string {
    const slash = imageName.lastIndexOf("/");
    const colon = imageName.lastIndexOf(":");
    return `${colon > slash ? imageName.slice(0, colon) : imageName}@${digest}`;
}

/** Task summary for error messages: state, error and the last status message of each task of a service. */
export async function taskSummary(docker: Docker, serviceId: string): Promise<string> {
    const tasks = await docker.listTasks({ filters: JSON.stringify({ service: [serviceId] }) });
    return (
        tasks
            .map(
                (t) =>
                    `slot ${t.Slot ?? "-"}: ${t.Status?.State}${t.Status?.Err ? ` (${t.Status.Err})` : ""} - ${t.Status?.Message ?? ""}`,
            )
            .join("; ") || "no tasks"
    );
}

/**
 * Waits like the provider's convergeConfig: until the service's running tasks match its replica count, polling every
 * `delayMs`, failing after `timeoutMs` with the tasks' errors.
 */
export async function waitConverged(
    docker: Docker,
    serviceId: string,
    replicas: number,
    delayMs: number,
    timeoutMs: number,
): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const tasks = await docker.listTasks({
            filters: JSON.stringify({ service: [serviceId], "desired-state": ["running"] }),
        });
        const running = tasks.filter((t) => t.Status?.State === "running").length;
        if (running >= replicas) {
            return;
        }
        if (Date.now() > deadline) {
            throw new Error(
                `service ${serviceId} did not converge to ${replicas} running task(s) within ${timeoutMs / 1000}s: ${await taskSummary(docker, serviceId)}`,
            );
        }
        await sleep(Math.min(delayMs, 2000));
    }
}

/** Marks a value as a Pulumi secret in a resource's returned state. */
function secretValue(value: unknown): Record<string, unknown> {
    return { [SECRET_SIG]: SECRET_SIG_VALUE, value };
}

export class EngineApplier {
    /** Every resource applied, in order. */
    readonly applied: AppliedRecord[] = [];
    private readonly docker: Docker;
    private readonly projectDir: string;
    private readonly log: (line: string) => void;
    private readonly onNetwork?: (name: string, id: string) => Promise<void>;

    constructor(opts: ApplierOptions) {
        this.docker = opts.docker;
        this.onNetwork = opts.onNetwork;
        this.projectDir = opts.projectDir;
        this.log = opts.log ?? ((l) => process.stderr.write(`${l}\n`));
    }

    /** The `onResource` hook for evaluateStack. */
    readonly hook = async (resource: PlannedResource): Promise<AppliedResource> => {
        const started = Date.now();
        const inputs = unwrapSecrets(resource.inputs) as Record<string, any>;
        let result: AppliedResource & { engineName?: string };
        try {
            result = await this.apply(resource, inputs);
        } catch (e) {
            const msg = (e as Error).message;
            throw new Error(
                msg.startsWith("e2e applier:")
                    ? msg
                    : `e2e applier: applying ${resource.type} "${resource.name}" failed: ${msg}`,
                { cause: e },
            );
        }
        this.applied.push({
            type: resource.type,
            name: resource.name,
            id: result.id ?? "",
            engineName: result.engineName,
            ms: Date.now() - started,
        });
        return { id: result.id, state: result.state };
    };

    private async apply(
        resource: PlannedResource,
        inputs: Record<string, any>,
    ): Promise<AppliedResource & { engineName?: string }> {
        const d = this.docker;
        const echo = { ...resource.inputs };
        switch (resource.type) {
            case TYPES.network: {
                const spec = networkSpec(resource.name, inputs);
                const net = await d.createNetwork(spec as unknown as Docker.NetworkCreateOptions);
                await this.onNetwork?.(spec.Name as string, net.id);
                return { id: net.id, state: { ...echo, name: spec.Name }, engineName: spec.Name as string };
            }
            case TYPES.volume: {
                const spec = volumeSpec(resource.name, inputs);
                const vol = await d.createVolume(spec as Docker.VolumeCreateOptions);
                return { id: vol.name, state: { ...echo, name: vol.name }, engineName: vol.name };
            }
            case TYPES.secret: {
                const spec = secretSpec(resource.name, inputs);
                const created = (await d.createSecret(spec)) as { id?: string; ID?: string };
                const id = created.id ?? created.ID!;
                return { id, state: { ...echo, name: spec.Name }, engineName: spec.Name as string };
            }
            case TYPES.config: {
                const spec = configSpec(resource.name, inputs);
                const created = (await d.createConfig(spec)) as { id?: string; ID?: string };
                const id = created.id ?? created.ID!;
                return { id, state: { ...echo, name: spec.Name }, engineName: spec.Name as string };
            }
            case TYPES.service: {
                const { spec, converge, auth } = serviceSpec(resource.name, inputs);
                const created = (await (auth ? d.createService(auth, spec) : d.createService(spec))) as {
                    id?: string;
                    ID?: string;
                };
                const id = created.id ?? created.ID!;
                this.log(`applier: service ${spec.Name} created (${id.slice(0, 12)})`);
                const replicas = (spec.Mode as { Replicated?: { Replicas: number } }).Replicated?.Replicas;
                if (converge && replicas !== undefined) {
                    await waitConverged(d, id, replicas, converge.delayMs, converge.timeoutMs);
                    this.log(`applier: service ${spec.Name} running ${replicas}/${replicas}`);
                }
                return { id, state: { ...echo, name: spec.Name }, engineName: spec.Name as string };
            }
            case TYPES.image: {
                const build = imageBuild(resource.name, inputs, this.projectDir, path.resolve);
                this.log(
                    `applier: building ${build.imageName} from ${path.relative(this.projectDir, build.context) || "."} (${build.dockerfile})`,
                );
                const imageId = await buildImage(d, build.context, build.query, (l) => {
                    if (/^Step \d+\/\d+/.test(l)) {
                        this.log(`  ${build.imageName}: ${l}`);
                    }
                });
                if (build.push) {
                    const t = Date.now();
                    const digest = await pushImage(d, build.imageName, build.push);
                    const repoDigest = repoDigestOf(build.imageName, digest);
                    this.log(`applier: pushed ${repoDigest} (${((Date.now() - t) / 1000).toFixed(1)}s)`);
                    return {
                        id: imageId,
                        state: { ...echo, imageName: build.imageName, baseImageName: build.imageName, repoDigest },
                        engineName: build.imageName,
                    };
                }
                // Unpushed, the provider's repoDigest is the local image id; Swarm runs an image id without a pull.
                return {
                    id: imageId,
                    state: { ...echo, imageName: build.imageName, baseImageName: build.imageName, repoDigest: imageId },
                    engineName: build.imageName,
                };
            }
            case TYPES.randomPassword: {
                const value = randomPassword(resource.name, inputs);
                return { id: resource.name, state: { ...echo, result: secretValue(value) } };
            }
            default:
                throw new Error(
                    `e2e applier: resource type ${resource.type} ("${resource.name}") is not supported; teach test/e2e/applier how to apply it to the Engine API.`,
                );
        }
    }
}
