import { expect } from "chai";
import type {
    Policy,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { configWithDefaults } from "../../policies/lib/config";

/** Thrown by the fake `notApplicable`, as the SDK's analyzer does. */
class NotApplicable extends Error {}

/** Options of a hand-built resource under test. */
export interface ResourceOptions {
    /** Logical resource name. Defaults to "test". */
    name?: string;
    /** The policy config entry (the CLI's `--policy-pack-config` value for this policy). */
    config?: object;
    deleteBeforeReplace?: boolean;
    ignoreChanges?: string[];
}

/**
 * ResourceValidationArgs built by hand, as the analyzer builds them (pulumi/pulumi-policy-aws `createResourceValidationArgs`):
 * `getConfig` returns the schema defaults overlaid with `config`, as the CLI does.
 */
export function resourceArgs(
    policy: Policy,
    type: string,
    props: Record<string, any>,
    opts: ResourceOptions = {},
): ResourceValidationArgs {
    const name = opts.name ?? "test";
    return {
        type,
        props,
        urn: `urn:pulumi:test::sophia-infra::${type}::${name}`,
        name,
        opts: {
            protect: false,
            ignoreChanges: opts.ignoreChanges ?? [],
            aliases: [],
            additionalSecretOutputs: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
            deleteBeforeReplace: opts.deleteBeforeReplace,
        },
        stackTags: new Map(),
        isType: () => false,
        asType: () => undefined,
        getConfig: <T extends object>() => configWithDefaults<T>(policy.configSchema, opts.config),
        notApplicable: (reason?: string): never => {
            throw new NotApplicable(reason);
        },
    };
}

/** Runs a resource policy's validations and returns the reported messages (none when not applicable). */
export async function runResourcePolicy(
    policy: ResourceValidationPolicy,
    args: ResourceValidationArgs,
): Promise<string[]> {
    const messages: string[] = [];
    const report: ReportViolation = (message) => {
        messages.push(message);
    };
    const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource!];
    for (const validate of validations) {
        try {
            await validate(args, report);
        } catch (e) {
            if (!(e instanceof NotApplicable)) {
                throw e;
            }
        }
    }
    return messages;
}

/** A resource for a stack policy: `props` are its outputs. */
export interface StackResource {
    type: string;
    name: string;
    props: Record<string, any>;
    /** Names of resources its taskSpec depends on (propertyDependencies.taskSpec). */
    taskSpecDependsOn?: string[];
}

/** Runs a stack policy and returns `[urn, message]` pairs. */
export async function runStackPolicy(
    policy: StackValidationPolicy,
    resources: StackResource[],
    config?: object,
): Promise<[string, string][]> {
    const built: PolicyResource[] = resources.map((r) => ({
        type: r.type,
        name: r.name,
        props: r.props,
        urn: `urn:pulumi:test::sophia-infra::${r.type}::${r.name}`,
        opts: {
            protect: false,
            ignoreChanges: [],
            aliases: [],
            additionalSecretOutputs: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        },
        dependencies: [],
        propertyDependencies: {},
        isType: () => false,
        asType: () => undefined,
    }));
    resources.forEach((r, i) => {
        built[i].propertyDependencies.taskSpec = (r.taskSpecDependsOn ?? []).map((n) =>
            built.find((b) => b.name === n)!,
        );
    });
    const found: [string, string][] = [];
    const args: StackValidationArgs = {
        resources: built,
        stackTags: new Map(),
        getConfig: <T extends object>() => configWithDefaults<T>(policy.configSchema, config),
        notApplicable: (reason?: string): never => {
            throw new NotApplicable(reason);
        },
    };
    await policy.validateStack(args, (message, urn) => {
        found.push([urn ?? "", message]);
    });
    return found;
}

/** Asserts that the resource passes the policy. */
export async function assertNoViolations(
    policy: ResourceValidationPolicy,
    args: ResourceValidationArgs,
): Promise<void> {
    expect(await runResourcePolicy(policy, args)).to.deep.equal([]);
}

/** Asserts that the policy reports exactly these messages for the resource. */
export async function assertViolations(
    policy: ResourceValidationPolicy,
    args: ResourceValidationArgs,
    ...messages: string[]
): Promise<void> {
    expect(await runResourcePolicy(policy, args)).to.deep.equal(messages);
}

/** Asserts the conventions every policy of the pack follows (name, description, severity, remediation). */
export function assertMetadata(policy: Policy, name: string, enforcementLevel: "mandatory" | "advisory"): void {
    expect(policy.name).to.equal(name);
    expect(policy.name).to.match(/^(docker|github)-[a-z]+(-[a-z0-9]+)+$/);
    expect(policy.description).to.match(/^Checks that .+\.$/);
    expect(policy.enforcementLevel).to.equal(enforcementLevel);
    expect(policy.severity).to.be.oneOf(["low", "medium", "high", "critical"]);
    expect(policy.remediationSteps).to.be.a("string").and.not.equal("");
    for (const prop of Object.values(policy.configSchema?.properties ?? {})) {
        expect(prop, "every config property has a default").to.have.property("default");
    }
}
