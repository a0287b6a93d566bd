import type {
    EnforcementLevel,
    Policy,
    PolicyPackConfig,
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { configWithDefaults } from "../lib/config";
import { DocumentResource } from "./document";

/** One reported violation. */
export interface Violation {
    readonly policy: string;
    /** The effective enforcement level ("remediate" is reported as "mandatory", as the engine does for validations). */
    readonly level: "advisory" | "mandatory";
    readonly urn: string;
    readonly message: string;
}

/** A policy that threw instead of reporting (a bug or a bad policy config). */
export interface PolicyFailure {
    readonly policy: string;
    readonly urn?: string;
    readonly error: string;
}

/** The outcome of evaluating a pack on a document. */
export interface Evaluation {
    readonly violations: Violation[];
    readonly failures: PolicyFailure[];
}

/** Thrown by `notApplicable()`, as the SDK's analyzer does, and swallowed by the evaluator. */
class NotApplicable extends Error {}

const isStackPolicy = (p: Policy): p is StackValidationPolicy =>
    typeof (p as StackValidationPolicy).validateStack === "function";

/** The enforcement level the CLI would use: policy config, then `all`, then the policy's own, then the pack default. */
export function effectiveLevel(
    policy: Policy,
    config: PolicyPackConfig,
    packDefault: EnforcementLevel,
): EnforcementLevel {
    const own = config[policy.name];
    const fromOwn = typeof own === "string" ? own : own?.enforcementLevel;
    const all = config.all;
    const fromAll = typeof all === "string" ? all : all?.enforcementLevel;
    return fromOwn ?? fromAll ?? policy.enforcementLevel ?? packDefault;
}

/** The policy's config as the CLI passes it: the schema's defaults overlaid with the pack config entry. */
export function policyConfig(policy: Policy, config: PolicyPackConfig): object {
    const own = config[policy.name];
    return configWithDefaults(policy.configSchema, typeof own === "object" ? own : undefined);
}

function options(r: DocumentResource) {
    return {
        protect: r.protect,
        ignoreChanges: r.ignoreChanges ?? [],
        deleteBeforeReplace: r.deleteBeforeReplace,
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
        parent: r.parent,
    };
}

const notApplicable = (reason?: string): never => {
    throw new NotApplicable(reason);
};

const typeCheck = (type: string) => (cls: { new (...rest: never[]): unknown }) =>
    (cls as unknown as { __pulumiType?: string }).__pulumiType === type;

/**
 * Evaluates a pack's policies on a document's resources without the Pulumi engine: resource policies see each
 * resource's inputs (outputs when a document has none), stack policies see every resource's outputs, parents and
 * dependencies, as under `pulumi preview --policy-pack`.
 */
export async function evaluatePolicies(
    policies: readonly Policy[],
    resources: readonly DocumentResource[],
    config: PolicyPackConfig = {},
    packDefault: EnforcementLevel = "advisory",
): Promise<Evaluation> {
    const violations: Violation[] = [];
    const failures: PolicyFailure[] = [];
    for (const policy of policies) {
        const level = effectiveLevel(policy, config, packDefault);
        if (level === "disabled") {
            continue;
        }
        const reported = level === "advisory" ? "advisory" : "mandatory";
        const getConfig = <T extends object>() => policyConfig(policy, config) as T;
        const run = async (urn: string | undefined, fn: () => unknown) => {
            try {
                await fn();
            } catch (e) {
                if (!(e instanceof NotApplicable)) {
                    failures.push({ policy: policy.name, urn, error: e instanceof Error ? e.message : String(e) });
                }
            }
        };
        if (isStackPolicy(policy)) {
            const args: StackValidationArgs = {
                resources: stackResources(resources),
                getConfig,
                stackTags: new Map(),
                notApplicable,
            };
            await run(undefined, () =>
                policy.validateStack(args, (message, urn) => {
                    violations.push({ policy: policy.name, level: reported, urn: urn ?? "", message });
                }),
            );
            continue;
        }
        const validations = (policy as ResourceValidationPolicy).validateResource;
        const list = validations === undefined ? [] : Array.isArray(validations) ? validations : [validations];
        for (const r of resources) {
            const props = Object.keys(r.inputs).length > 0 ? r.inputs : r.outputs;
            const args: ResourceValidationArgs = {
                type: r.type,
                props,
                urn: r.urn,
                name: r.name,
                opts: options(r),
                stackTags: new Map(),
                isType: typeCheck(r.type),
                asType: ((cls: never) =>
                    typeCheck(r.type)(cls) ? props : undefined) as ResourceValidationArgs["asType"],
                getConfig,
                notApplicable,
            };
            for (const validate of list) {
                await run(r.urn, () =>
                    validate(args, (message) => {
                        violations.push({ policy: policy.name, level: reported, urn: r.urn, message });
                    }),
                );
            }
        }
    }
    return { violations, failures };
}

/** The stack view of the resources: outputs as props, parents and dependencies linked to resource objects. */
function stackResources(resources: readonly DocumentResource[]): PolicyResource[] {
    const byUrn = new Map<string, PolicyResource>();
    const out = resources.map((r) => {
        const resource: PolicyResource = {
            type: r.type,
            props: Object.keys(r.outputs).length > 0 ? r.outputs : r.inputs,
            urn: r.urn,
            name: r.name,
            opts: options(r),
            dependencies: [],
            propertyDependencies: {},
            isType: typeCheck(r.type),
            asType: ((cls: never) => (typeCheck(r.type)(cls) ? resource.props : undefined)) as PolicyResource["asType"],
        };
        byUrn.set(r.urn, resource);
        return resource;
    });
    resources.forEach((r, i) => {
        const resource = out[i];
        resource.parent = r.parent ? byUrn.get(r.parent) : undefined;
        resource.dependencies = r.dependencies
            .map((d) => byUrn.get(d))
            .filter((d): d is PolicyResource => d !== undefined);
        for (const [k, urns] of Object.entries(r.propertyDependencies)) {
            resource.propertyDependencies[k] = (Array.isArray(urns) ? urns : [])
                .map((d) => byUrn.get(d))
                .filter((d): d is PolicyResource => d !== undefined);
        }
    });
    return out;
}
