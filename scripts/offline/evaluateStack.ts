import * as crypto from "crypto";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { resolveStackConfig, ResolvedStackConfig } from "./stackFiles";

/** Pulumi's marker for a secret value inside serialized properties (key and value, as the SDK exports them). */
export const SECRET_SIG = pulumi.runtime.specialSigKey;
export const SECRET_SIG_VALUE = pulumi.runtime.specialSecretSig;

/** One resource the program registered, shaped like an entry of `pulumi stack export`'s `deployment.resources`. */
export interface PlannedResource {
    urn: string;
    /** Provider id (a stand-in offline). */
    id?: string;
    type: string;
    name: string;
    custom: boolean;
    parent?: string;
    inputs: Record<string, unknown>;
    outputs: Record<string, unknown>;
    deleteBeforeReplace?: boolean;
    protect?: boolean;
    /** The `ignoreChanges` resource option (property paths), for policies that check it. */
    ignoreChanges?: string[];
}

/** What a resource hook returns: the id and output state of a resource (as a mock's newResource). */
export interface AppliedResource {
    id: string | undefined;
    state: Record<string, unknown>;
}

/** Called for every custom resource as the program registers it; the default computes a plausible offline state. */
export type ResourceHook = (resource: PlannedResource) => Promise<AppliedResource> | AppliedResource;

export interface EvaluateOptions {
    /** Directory holding Pulumi.yaml, the stack files and index.ts. Defaults to the repository root. */
    readonly projectDir?: string;
    /** Stack name (`Pulumi.<stack>.yaml`). */
    readonly stack: string;
    /** Evaluate as a preview (`isDryRun()` true). Defaults to true. */
    readonly preview?: boolean;
    /** Applies each custom resource (the end-to-end harness creates it on a real engine). */
    readonly onResource?: ResourceHook;
    /** Extra or replacement config values (`<ns>:<key>` -> string), e.g. for tests or image overrides. */
    readonly configOverrides?: Record<string, string>;
}

export interface Evaluation {
    readonly stackConfig: ResolvedStackConfig;
    readonly resources: PlannedResource[];
    /** The program's exports (stack outputs), resolved; secrets are marked. */
    readonly outputs: Record<string, unknown>;
}

const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** A short stable hex id for offline values, derived from the resource name. */
function fakeHex(seed: string, length: number): string {
    return crypto.createHash("sha256").update(seed).digest("hex").slice(0, length);
}

/** Unwraps Pulumi secret markers into plain values (for hooks that must use the real value). */
export function unwrapSecrets(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map(unwrapSecrets);
    }
    if (value && typeof value === "object") {
        const obj = value as Record<string, unknown>;
        if (obj[SECRET_SIG] === SECRET_SIG_VALUE) {
            return unwrapSecrets(obj.value);
        }
        return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, unwrapSecrets(v)]));
    }
    return value;
}

/**
 * The offline stand-in for what a provider would return: inputs echoed back, plus the computed values later
 * resources read (autonamed names, image digests, generated passwords). Values are deterministic per resource name.
 */
export function offlineState(resource: PlannedResource): AppliedResource {
    const state: Record<string, unknown> = { ...resource.inputs };
    const suffix = fakeHex(resource.urn, 7);
    if (resource.type.startsWith("docker:") && state.name === undefined) {
        // The docker provider autonames `<logicalName>-<7 hex>`.
        state.name = `${resource.name}-${suffix}`;
    }
    if (resource.type === "docker:index/image:Image") {
        const imageName = String(state.imageName ?? resource.name);
        state.repoDigest = `${imageName.replace(/:[^:/]+$/, "")}@sha256:${fakeHex(`${resource.urn}:digest`, 64)}`;
        state.baseImageName = imageName;
    }
    if (resource.type === "random:index/randomPassword:RandomPassword") {
        state.result = { [SECRET_SIG]: SECRET_SIG_VALUE, value: `[offline generated password ${suffix}]` };
    }
    return { id: resource.custom ? `${resource.name}-${suffix}` : undefined, state };
}

/**
 * Offline answers for the data-source functions the program calls. Unknown functions fail loudly rather than
 * return something made up.
 */
export function offlineCall(token: string, inputs: Record<string, unknown>): Record<string, unknown> {
    if (token === "github:index/getRepository:getRepository") {
        // A stable stand-in for GitHub's numeric repository id.
        return { ...inputs, repoId: parseInt(fakeHex(`repo:${String(inputs.fullName)}`, 6), 16) };
    }
    throw new Error(`The program called ${token}, which the offline evaluation does not support.`);
}

/** The getters of the engine's RegisterResourceRequest that the recording reads. */
interface RegisterResourceRequest {
    getParent(): string;
    getType(): string;
    getName(): string;
    getDeletebeforereplace(): boolean;
    getProtect(): boolean;
    getIgnorechangesList(): string[];
}

/** Request details the mock API does not pass to `newResource` (parent, resource options). */
interface RequestDetails {
    parent: string;
    deleteBeforeReplace: boolean;
    protect: boolean;
    ignoreChanges: string[];
    urn: string;
}
let currentRequest: RequestDetails | undefined;
/** The mock engine's URNs keep only the parent's last type; map them to engine-style URNs with the full type chain. */
const engineUrns = new Map<string, string>();

/**
 * Wraps the mock monitor's registerResource so each `newResource` call can see its request's parent and options.
 * `registerResource` calls `newResource` synchronously, so the details set here belong to that call.
 */
function recordRequestDetails(): void {
    const proto = MockMonitor.prototype as unknown as {
        registerResource(req: RegisterResourceRequest, cb: unknown): Promise<void>;
        newUrn(p: string, t: string, n: string): string;
        __sophiaRecording?: boolean;
    };
    if (proto.__sophiaRecording) {
        return;
    }
    const original = proto.registerResource;
    proto.registerResource = function (this: typeof proto, req: RegisterResourceRequest, cb: unknown) {
        const mockUrn = this.newUrn(req.getParent(), req.getType(), req.getName());
        const parent = req.getParent() ? (engineUrns.get(req.getParent()) ?? req.getParent()) : "";
        const [stackPart, projectName, parentType] = parent.split("::");
        const urn = parent ? `${stackPart}::${projectName}::${parentType}$${req.getType()}::${req.getName()}` : mockUrn;
        engineUrns.set(mockUrn, urn);
        currentRequest = {
            parent,
            deleteBeforeReplace: req.getDeletebeforereplace(),
            protect: req.getProtect(),
            ignoreChanges: req.getIgnorechangesList(),
            urn,
        };
        return original.call(this, req, cb);
    };
    proto.__sophiaRecording = true;
}

let evaluated = false;

/**
 * Evaluates `index.ts` for a stack with the Pulumi engine mocked: no CLI, no cloud, no Docker. Config comes from
 * Pulumi.yaml and Pulumi.<stack>.yaml; ESC-only values become marked placeholders. Every registered resource is
 * recorded (and passed to `onResource`, which by default returns an offline state). One evaluation per process:
 * the Pulumi runtime keeps global state.
 */
export async function evaluateStack(opts: EvaluateOptions): Promise<Evaluation> {
    if (evaluated) {
        throw new Error(
            "evaluateStack runs once per process (the Pulumi runtime is global); start a new process for another stack.",
        );
    }
    evaluated = true;
    const projectDir = opts.projectDir ?? REPO_ROOT;
    const stackConfig = resolveStackConfig(projectDir, opts.stack);
    const config = { ...stackConfig.config, ...(opts.configOverrides ?? {}) };
    const hook = opts.onResource ?? offlineState;
    const resources: PlannedResource[] = [];
    const failures: unknown[] = [];

    const mocks: pulumi.runtime.Mocks = {
        newResource: async (args: pulumi.runtime.MockResourceArgs) => {
            const req = currentRequest!;
            const resource: PlannedResource = {
                urn: req.urn,
                type: args.type,
                name: args.name,
                custom: args.custom ?? false,
                parent: req.parent || undefined,
                inputs: args.inputs,
                outputs: {},
                deleteBeforeReplace: req.deleteBeforeReplace || undefined,
                protect: req.protect || undefined,
                ignoreChanges: req.ignoreChanges.length > 0 ? [...req.ignoreChanges] : undefined,
            };
            resources.push(resource);
            if (!resource.custom) {
                return { id: undefined, state: {} };
            }
            try {
                const applied = await hook(resource);
                resource.outputs = applied.state;
                resource.id = applied.id;
                return applied;
            } catch (e) {
                failures.push(e);
                throw e;
            }
        },
        call: (args: pulumi.runtime.MockCallArgs) => offlineCall(args.token, args.inputs),
    };
    recordRequestDetails();
    pulumi.runtime.setAllConfig(config, stackConfig.secretKeys);
    await pulumi.runtime.setMocks(mocks, stackConfig.project, opts.stack, opts.preview ?? true);

    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => {
        rejections.push(reason);
    };
    process.on("unhandledRejection", onRejection);
    try {
        const program = await import(path.join(projectDir, "index.ts"));
        const outputs = await resolveOutputs(program);
        // A registration that fails while preparing its inputs (a failed invoke, a throwing apply) surfaces as an
        // unhandled rejection a few ticks after the RPC queue drains: keep settling until nothing new happens.
        let seen = -1;
        while (seen !== resources.length + rejections.length) {
            seen = resources.length + rejections.length;
            await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
            await new Promise((resolve) => setTimeout(resolve, 100));
        }
        const problem = failures[0] ?? rejections[0];
        if (problem) {
            throw problem;
        }
        return { stackConfig, resources, outputs };
    } finally {
        process.off("unhandledRejection", onRejection);
    }
}

/** Resolves the program's exports to plain values, keeping secrets marked. */
async function resolveOutputs(program: Record<string, unknown>): Promise<Record<string, unknown>> {
    const entries = Object.entries(program).filter(([k]) => k !== "default" && k !== "__esModule");
    const resolved: Record<string, unknown> = {};
    for (const [k, v] of entries) {
        resolved[k] = await new Promise((resolve) => {
            const out = pulumi.output(v);
            pulumi.all([out, pulumi.isSecret(out)]).apply(([value, secret]) => {
                resolve(secret ? { [SECRET_SIG]: SECRET_SIG_VALUE, value } : value);
            });
        });
    }
    return resolved;
}
