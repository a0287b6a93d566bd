import * as crypto from "crypto";
import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import { SyncConfig } from "../runtime/sync-monitor/src/syncConfig";
import { expectedSecrets, ExpectedSecret } from "../runtime/sync-monitor/src/targets";

export interface GithubSecretsArgs {
    /** The parsed mapping: the same one the sync-monitor watches, so declared and monitored sync cannot disagree. */
    readonly mapping: SyncConfig;
    /** The ESC values as a tree (secret); each mapping `key` is a dotted path into it. */
    readonly values: pulumi.Input<Record<string, unknown>>;
    /** GitHub token with admin rights on the secrets (secret). */
    readonly token: pulumi.Input<string>;
    /** GitHub API base URL (GitHub Enterprise). Defaults to the provider's. */
    readonly baseUrl?: string;
    /** The sync-monitor's ledger HMAC key: with it the component attests what it wrote (see `attestations`). */
    readonly hmacKey?: pulumi.Input<string>;
}

/** One write attestation: what Pulumi wrote where, as the sync-monitor's ledger records it (keyed HMAC, never the value). */
export interface WriteAttestation {
    scope: string;
    target: string;
    name: string;
    valueHmac: string;
    updatedAt: string | null;
}

/** Reads a dotted path from the value tree; undefined when any segment is missing. */
export function valueAt(tree: Record<string, unknown>, dotted: string): unknown {
    return dotted
        .split(".")
        .reduce<unknown>(
            (node, seg) => (node && typeof node === "object" ? (node as Record<string, unknown>)[seg] : undefined),
            tree,
        );
}

/** The resource name of one secret: scope, target and name, so each (target, name) is one resource. */
function logicalName(e: ExpectedSecret): string {
    return `${e.target.scope}-${e.target.id.replace(/[/:]/g, "-")}-${e.name}`.toLowerCase();
}

/**
 * GitHub Actions secrets set from ESC values with @pulumi/github: organisation, repository and environment secrets,
 * the environments they need, and the repository selection of `selected` org secrets. Values use the `value` input
 * (provider >= 6.13) and are secret; every secret resource is delete-before-replace, because a replacement created
 * first and the old one deleted after would delete the new value (pulumi-github #111/#223/#250).
 */
export class GithubSecrets extends pulumi.ComponentResource {
    /** `scope|target|name` of every secret managed here. */
    public readonly managed: string[];
    /**
     * The sync-monitor's `SYNC_ATTESTATIONS_FILE` (JSON): for each secret written here, the HMAC of the value under
     * the monitor's key and GitHub's `updated_at` after the write, so the monitor can verify secrets it did not write.
     */
    public readonly attestations?: pulumi.Output<string>;

    constructor(name: string, args: GithubSecretsArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("sophia:github:GithubSecrets", name, {}, opts);
        const expected = expectedSecrets(args.mapping);
        const invalid = expected.filter((e) => e.invalidReason);
        if (invalid.length > 0) {
            throw new pulumi.ResourceError(
                `GitHub secret names break GitHub's rules: ${invalid.map((e) => `${e.name} (${e.invalidReason}, from ESC key ${e.key})`).join("; ")}. Fix \`name\` or \`nameRules.prefix\` in the mapping.`,
                this,
            );
        }
        // Repository and environment secrets name only the repository; the owner comes from the provider, so one
        // provider per owner.
        const providers = new Map<string, github.Provider>();
        const providerFor = (owner: string) => {
            let p = providers.get(owner);
            if (!p) {
                p = new github.Provider(
                    `${name}-${owner.toLowerCase()}`,
                    { token: args.token, owner, baseUrl: args.baseUrl },
                    { parent: this },
                );
                providers.set(owner, p);
            }
            return p;
        };
        const values = pulumi.output(args.values);
        const valueOf = (key: string) =>
            pulumi.secret(
                values.apply((tree) => {
                    const v = valueAt(tree ?? {}, key);
                    if (typeof v !== "string" || v === "") {
                        throw new pulumi.RunError(
                            `Config \`sophia-infra:githubSecretValues.${key}\` is missing or not a string; the GitHub secret mapping needs it. Add it to the stack's ESC environment.`,
                        );
                    }
                    return v;
                }),
            );

        const environments = new Map<string, github.RepositoryEnvironment>();
        const written: pulumi.Output<WriteAttestation>[] = [];
        const attest = (
            e: ExpectedSecret,
            value: pulumi.Output<string>,
            updatedAt: pulumi.Output<string | undefined>,
        ) => {
            if (args.hmacKey !== undefined) {
                written.push(
                    pulumi.all([value, updatedAt, args.hmacKey]).apply(([v, at, key]) => ({
                        scope: e.target.scope,
                        target: e.target.id,
                        name: e.name,
                        // Same construction as the monitor: the key file's trimmed text as UTF-8, HMAC-SHA256 of the exact value.
                        valueHmac: crypto
                            .createHmac("sha256", Buffer.from(key.trim(), "utf8"))
                            .update(v, "utf8")
                            .digest("hex"),
                        updatedAt: at ?? null,
                    })),
                );
            }
        };
        for (const e of expected) {
            const provider = providerFor(e.target.owner);
            const childOpts = { parent: this, provider };
            const secretOpts = { ...childOpts, deleteBeforeReplace: true };
            const rn = logicalName(e);
            const value = valueOf(e.key);
            if (e.target.scope === "org") {
                const secret = new github.ActionsOrganizationSecret(
                    rn,
                    {
                        secretName: e.name,
                        visibility: e.visibility!,
                        value,
                    },
                    secretOpts,
                );
                attest(e, value, secret.updatedAt);
                if (e.visibility === "selected") {
                    const ids = (e.selectedRepositories ?? []).map(
                        (repo) =>
                            github.getRepositoryOutput(
                                { fullName: `${e.target.owner}/${repo}` },
                                { parent: this, provider },
                            ).repoId,
                    );
                    new github.ActionsOrganizationSecretRepositories(
                        `${rn}-repositories`,
                        {
                            secretName: secret.secretName,
                            selectedRepositoryIds: ids,
                        },
                        childOpts,
                    );
                }
            } else if (e.target.scope === "repo") {
                const secret = new github.ActionsSecret(
                    rn,
                    { repository: e.target.repo!, secretName: e.name, value },
                    secretOpts,
                );
                attest(e, value, secret.updatedAt);
            } else {
                const envKey = `${e.target.owner}/${e.target.repo}:${e.target.environment}`;
                let env = environments.get(envKey);
                if (!env) {
                    env = new github.RepositoryEnvironment(
                        `env-${e.target.owner}-${e.target.repo}-${e.target.environment}`.toLowerCase(),
                        {
                            repository: e.target.repo!,
                            environment: e.target.environment!,
                        },
                        childOpts,
                    );
                    environments.set(envKey, env);
                }
                const secret = new github.ActionsEnvironmentSecret(
                    rn,
                    {
                        repository: e.target.repo!,
                        environment: env.environment,
                        secretName: e.name,
                        value,
                    },
                    secretOpts,
                );
                attest(e, value, secret.updatedAt);
            }
        }
        this.managed = expected.map((e) => `${e.target.scope}|${e.target.id}|${e.name}`);
        if (args.hmacKey !== undefined) {
            // The file holds only HMACs under a 64-character random key, which reveal nothing about the values without
            // it. It is deliberately not a secret output: a secret config would make the whole service spec secret
            // (Pulumi lifts secretness to the top-level property) and hide it from previews and the policy pack.
            this.attestations = pulumi.unsecret(
                pulumi.all(written).apply((entries) =>
                    JSON.stringify(
                        {
                            version: 1,
                            writer: "pulumi",
                            escEnvironment: args.mapping.esc.environment,
                            entries,
                        },
                        null,
                        2,
                    ),
                ),
            );
        }
        this.registerOutputs({ managed: this.managed });
    }
}
