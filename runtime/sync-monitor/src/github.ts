/**
 * GitHub Actions secrets through `@octokit/rest` with the throttling and retry plugins: paginated metadata reads,
 * sealed-box writes with a per-target public-key cache, request metrics and rate-limit gauges.
 */
import { Octokit } from "@octokit/rest";
import { throttling } from "@octokit/plugin-throttling";
import { retry } from "@octokit/plugin-retry";
import Bottleneck from "bottleneck";
// libsodium-wrappers' ESM entry is broken in 0.7.x/0.8.x; `import = require` always loads the CommonJS build.
import sodium = require("libsodium-wrappers");
import type { Metrics } from "./metrics";
import type { Target } from "./targets";
import type { OrgVisibility } from "./syncConfig";

const ThrottledOctokit = Octokit.plugin(throttling, retry);
/** The Octokit class with throttling and retry. */
export type GitHubOctokit = InstanceType<typeof ThrottledOctokit>;

/** Metadata GitHub returns for a secret (never the value). */
export interface ListedSecret {
    readonly name: string;
    readonly createdAt: string;
    readonly updatedAt: string;
    readonly visibility?: string;
}

export interface OctokitOptions {
    readonly baseUrl: string;
    readonly token: string;
    readonly metrics?: Metrics;
    /** Retries after a rate limit (primary or secondary) before the read is reported incomplete. Defaults to 2. */
    readonly maxLimitRetries?: number;
    /** Milliseconds per second of `retry-after`; tests shrink it. Defaults to 1000. */
    readonly retryAfterBaseMs?: number;
    /** Wait when a secondary limit comes without `retry-after`, in seconds. Defaults to 60 (GitHub's advice). */
    readonly fallbackSecondaryRetrySeconds?: number;
    /** Retries of 5xx responses. Defaults to 2. */
    readonly serverErrorRetries?: number;
    /** Real-time spacing of writes enforced inside Octokit. Defaults to 1000 (GitHub: >= 1 s between mutations). */
    readonly writeSpacingMs?: number;
    /** Called whenever a limit is hit (for logs). */
    readonly onLimit?: (info: {
        kind: "primary" | "secondary";
        retryAfterSeconds: number;
        route: string;
        retrying: boolean;
    }) => void;
}

/** Creates the Octokit client used for every GitHub call. */
export function createOctokit(o: OctokitOptions): GitHubOctokit {
    const maxLimitRetries = o.maxLimitRetries ?? 2;
    const onLimit =
        (kind: "primary" | "secondary") =>
        (retryAfter: number, options: { method?: string; url?: string }, _o: unknown, retryCount: number): boolean => {
            const retrying = retryCount < maxLimitRetries;
            o.onLimit?.({ kind, retryAfterSeconds: retryAfter, route: `${options.method} ${options.url}`, retrying });
            return retrying;
        };
    const octokit = new ThrottledOctokit({
        auth: o.token,
        baseUrl: o.baseUrl.replace(/\/+$/, ""),
        userAgent: "sophia-sync-monitor",
        request: { headers: { "x-github-api-version": "2022-11-28" } },
        log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
        throttle: {
            onRateLimit: onLimit("primary"),
            onSecondaryRateLimit: onLimit("secondary"),
            retryAfterBaseValue: o.retryAfterBaseMs ?? 1000,
            fallbackSecondaryRateRetryAfter: o.fallbackSecondaryRetrySeconds ?? 60,
            // The plugin's default write group is module-global; one per client keeps the spacing configurable.
            write: new Bottleneck.Group({ maxConcurrent: 1, minTime: o.writeSpacingMs ?? 1000 }),
        },
        // 403/429 belong to the throttling plugin; 5xx get a short exponential retry here.
        retry: {
            doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451],
            retries: o.serverErrorRetries ?? 2,
            retryAfterBaseValue: o.retryAfterBaseMs ?? 1000,
        },
    } as ConstructorParameters<typeof ThrottledOctokit>[0]);
    const metrics = o.metrics;
    if (metrics) {
        octokit.hook.wrap("request", async (request, options) => {
            const labels = { api: "github", route: routeTemplate(String(options.url)), method: String(options.method) };
            const end = metrics.apiDuration.startTimer(labels);
            try {
                const res = await request(options);
                end({ status: String(res.status) });
                recordRateLimit(metrics, res.headers as Record<string, unknown>);
                return res;
            } catch (e) {
                const err = e as { status?: number; response?: { headers?: Record<string, unknown> } };
                end({ status: err.status ? String(err.status) : "error" });
                if (err.response?.headers) recordRateLimit(metrics, err.response.headers);
                throw e;
            }
        });
    }
    return octokit;
}

/**
 * Low-cardinality route label: pagination hands the hook absolute URLs (`https://host/repos/o/r/...?page=2`), so
 * path values are folded back into GitHub's route templates.
 */
export function routeTemplate(url: string): string {
    if (url.includes("{")) return url.split("?")[0];
    let path = url.replace(/^https?:\/\/[^/]+/, "").split("?")[0];
    // Keep a GitHub Enterprise "/api/v3" prefix out of the label.
    path = path.replace(/^\/api\/v3(?=\/)/, "");
    const rules: [RegExp, string][] = [
        [/^\/orgs\/[^/]+\/actions\/secrets\/public-key$/, "/orgs/{org}/actions/secrets/public-key"],
        [/^\/orgs\/[^/]+\/actions\/secrets\/[^/]+$/, "/orgs/{org}/actions/secrets/{secret_name}"],
        [/^\/orgs\/[^/]+\/actions\/secrets$/, "/orgs/{org}/actions/secrets"],
        [
            /^\/repos\/[^/]+\/[^/]+\/actions\/organization-secrets$/,
            "/repos/{owner}/{repo}/actions/organization-secrets",
        ],
        [/^\/repos\/[^/]+\/[^/]+\/actions\/secrets\/public-key$/, "/repos/{owner}/{repo}/actions/secrets/public-key"],
        [/^\/repos\/[^/]+\/[^/]+\/actions\/secrets\/[^/]+$/, "/repos/{owner}/{repo}/actions/secrets/{secret_name}"],
        [/^\/repos\/[^/]+\/[^/]+\/actions\/secrets$/, "/repos/{owner}/{repo}/actions/secrets"],
        [
            /^\/repos\/[^/]+\/[^/]+\/environments\/[^/]+\/secrets\/public-key$/,
            "/repos/{owner}/{repo}/environments/{environment_name}/secrets/public-key",
        ],
        [
            /^\/repos\/[^/]+\/[^/]+\/environments\/[^/]+\/secrets\/[^/]+$/,
            "/repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}",
        ],
        [
            /^\/repos\/[^/]+\/[^/]+\/environments\/[^/]+\/secrets$/,
            "/repos/{owner}/{repo}/environments/{environment_name}/secrets",
        ],
        [/^\/repos\/[^/]+\/[^/]+$/, "/repos/{owner}/{repo}"],
    ];
    for (const [re, tpl] of rules) if (re.test(path)) return tpl;
    return "other";
}

function recordRateLimit(metrics: Metrics, headers: Record<string, unknown>): void {
    const remaining = headers["x-ratelimit-remaining"];
    if (remaining === undefined) return;
    metrics.rateLimitRemaining.set({ resource: String(headers["x-ratelimit-resource"] ?? "core") }, Number(remaining));
}

type Sec = { name: string; created_at: string; updated_at: string; visibility?: string };
const toListed = (s: Sec): ListedSecret => ({
    name: s.name.toUpperCase(),
    createdAt: s.created_at,
    updatedAt: s.updated_at,
    visibility: s.visibility,
});

interface PublicKey {
    readonly key: string;
    readonly keyId: string;
}

/** Thin, typed access to the Actions secrets endpoints. */
export class GitHubSecrets {
    private readonly keys = new Map<string, PublicKey>();
    private readonly repoIds = new Map<string, number>();

    constructor(readonly octokit: GitHubOctokit) {}

    /** Lists every secret of a target, 100 per page, following `link: rel="next"`. */
    async listSecrets(t: Target): Promise<ListedSecret[]> {
        const a = this.octokit.rest.actions;
        let rows: Sec[];
        if (t.scope === "org") rows = await this.octokit.paginate(a.listOrgSecrets, { org: t.owner, per_page: 100 });
        else if (t.scope === "repo")
            rows = await this.octokit.paginate(a.listRepoSecrets, { owner: t.owner, repo: t.repo!, per_page: 100 });
        else
            rows = await this.octokit.paginate(a.listEnvironmentSecrets, {
                owner: t.owner,
                repo: t.repo!,
                environment_name: t.environment!,
                per_page: 100,
            });
        return rows.map(toListed);
    }

    /** Org secrets a repository can see (for shadowing). */
    async listRepoOrgSecrets(owner: string, repo: string): Promise<ListedSecret[]> {
        const rows: Sec[] = await this.octokit.paginate(this.octokit.rest.actions.listRepoOrganizationSecrets, {
            owner,
            repo,
            per_page: 100,
        });
        return rows.map(toListed);
    }

    private async publicKey(t: Target, refresh: boolean): Promise<PublicKey> {
        const k = `${t.scope}|${t.id}`;
        const cached = this.keys.get(k);
        if (cached && !refresh) return cached;
        const a = this.octokit.rest.actions;
        const res =
            t.scope === "org"
                ? await a.getOrgPublicKey({ org: t.owner })
                : t.scope === "repo"
                  ? await a.getRepoPublicKey({ owner: t.owner, repo: t.repo! })
                  : await a.getEnvironmentPublicKey({
                        owner: t.owner,
                        repo: t.repo!,
                        environment_name: t.environment!,
                    });
        const pk = { key: res.data.key, keyId: res.data.key_id };
        this.keys.set(k, pk);
        return pk;
    }

    /** Repository id (needed for `selected` org secrets). */
    async repoId(owner: string, repo: string): Promise<number> {
        const k = `${owner}/${repo}`;
        const cached = this.repoIds.get(k);
        if (cached !== undefined) return cached;
        const res = await this.octokit.rest.repos.get({ owner, repo });
        this.repoIds.set(k, res.data.id);
        return res.data.id;
    }

    /**
     * Encrypts `value` with the target's public key (sealed box) and PUTs it. On 422 the key is refetched once (it
     * may have rotated). Returns GitHub's status: 201 created, 204 updated.
     */
    async putSecret(
        t: Target,
        name: string,
        value: string,
        org?: { visibility: OrgVisibility; selectedRepositoryIds?: number[] },
    ): Promise<201 | 204> {
        await sodium.ready;
        for (let attempt = 0; ; attempt++) {
            const pk = await this.publicKey(t, attempt > 0);
            const sealed = sodium.crypto_box_seal(
                sodium.from_string(value),
                sodium.from_base64(pk.key, sodium.base64_variants.ORIGINAL),
            );
            const encrypted_value = sodium.to_base64(sealed, sodium.base64_variants.ORIGINAL);
            try {
                const a = this.octokit.rest.actions;
                const res =
                    t.scope === "org"
                        ? await a.createOrUpdateOrgSecret({
                              org: t.owner,
                              secret_name: name,
                              encrypted_value,
                              key_id: pk.keyId,
                              visibility: org?.visibility ?? "private",
                              ...(org?.visibility === "selected" && org.selectedRepositoryIds
                                  ? { selected_repository_ids: org.selectedRepositoryIds }
                                  : {}),
                          })
                        : t.scope === "repo"
                          ? await a.createOrUpdateRepoSecret({
                                owner: t.owner,
                                repo: t.repo!,
                                secret_name: name,
                                encrypted_value,
                                key_id: pk.keyId,
                            })
                          : await a.createOrUpdateEnvironmentSecret({
                                owner: t.owner,
                                repo: t.repo!,
                                environment_name: t.environment!,
                                secret_name: name,
                                encrypted_value,
                                key_id: pk.keyId,
                            });
                return res.status === 201 ? 201 : 204;
            } catch (e) {
                if ((e as { status?: number }).status === 422 && attempt === 0) continue;
                throw e;
            }
        }
    }

    /** Deletes a secret. */
    async deleteSecret(t: Target, name: string): Promise<void> {
        const a = this.octokit.rest.actions;
        if (t.scope === "org") await a.deleteOrgSecret({ org: t.owner, secret_name: name });
        else if (t.scope === "repo") await a.deleteRepoSecret({ owner: t.owner, repo: t.repo!, secret_name: name });
        else
            await a.deleteEnvironmentSecret({
                owner: t.owner,
                repo: t.repo!,
                environment_name: t.environment!,
                secret_name: name,
            });
    }
}
