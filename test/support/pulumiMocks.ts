import * as pulumi from "@pulumi/pulumi";

/** Pulumi's marker key for a secret inside mock inputs (as the SDK exports it). */
const SECRET_SIG = pulumi.runtime.specialSigKey;

/** One resource registered with the mock engine. */
export interface RecordedResource {
    type: string;
    name: string;
    inputs: Record<string, any>;
}

/** Every resource registered since the mocks were installed, in registration order. */
export const recorded: RecordedResource[] = [];

/** Every function (invoke) call made, in order. */
export const calls: { token: string; inputs: Record<string, any> }[] = [];

let installed = false;

/**
 * Installs the Pulumi mocks once per test process: resources echo their inputs as state, with an id and (for
 * autonamed docker objects) a synthesized name. Components must be constructed only after this.
 */
export async function installMocks(): Promise<void> {
    if (installed) {
        return;
    }
    installed = true;
    await pulumi.runtime.setMocks(
        {
            newResource(args: pulumi.runtime.MockResourceArgs) {
                recorded.push({ type: args.type, name: args.name, inputs: args.inputs });
                const state: Record<string, unknown> = { ...args.inputs };
                if (args.type.startsWith("docker:") && state.name === undefined) {
                    state.name = `${args.name}-abc1234`;
                }
                if (args.type === "docker:index/image:Image") {
                    state.repoDigest = `${String(args.inputs.imageName).replace(/:[^:/]+$/, "")}@sha256:${"ab".repeat(32)}`;
                }
                if (/^github:index\/actions\w*Secret:/.test(args.type)) {
                    // What the provider reports after the write: GitHub's updated_at.
                    state.updatedAt = "2026-11-26T12:00:00Z";
                }
                if (args.type === "random:index/randomPassword:RandomPassword") {
                    state.result = "generated-password";
                }
                return { id: args.custom ? `${args.name}-id` : undefined, state };
            },
            call(args: pulumi.runtime.MockCallArgs) {
                calls.push({ token: args.token, inputs: args.inputs });
                if (args.token === "github:index/getRepository:getRepository") {
                    // A stable fake numeric id per repository.
                    const fullName = String(args.inputs.fullName);
                    return {
                        ...args.inputs,
                        repoId: [...fullName].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 1_000_000, 7),
                    };
                }
                return args.inputs;
            },
        },
        "sophia-infra",
        "test",
    );
}

/** Resolves an Output's value (a failing assertion after this stays in the test, not in an apply callback). */
export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
}

/** Waits until the mock engine has seen every registration made so far. */
export async function settled(): Promise<void> {
    await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
}

/** Unwraps secret markers recursively. */
export function unwrap(value: any): any {
    if (Array.isArray(value)) {
        return value.map(unwrap);
    }
    if (value && typeof value === "object") {
        if (value[SECRET_SIG]) {
            return unwrap(value.value);
        }
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrap(v)]));
    }
    return value;
}

/** True when the value is marked secret. */
export function isSecretValue(value: any): boolean {
    return Boolean(value && typeof value === "object" && value[SECRET_SIG]);
}

/** The recorded resources of one type whose logical name starts with `prefix`. */
export function resourcesOf(type: string, prefix = ""): RecordedResource[] {
    return recorded.filter((r) => r.type === type && r.name.startsWith(prefix));
}

/** The single recorded resource of a type and exact logical name; throws with the names seen otherwise. */
export function resourceNamed(type: string, name: string): RecordedResource {
    const found = recorded.filter((r) => r.type === type && r.name === name);
    if (found.length !== 1) {
        throw new Error(
            `expected one ${type} named ${name}, found ${found.length}; have: ${recorded
                .filter((r) => r.type === type)
                .map((r) => r.name)
                .join(", ")}`,
        );
    }
    return found[0];
}
