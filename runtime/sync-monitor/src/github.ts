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
import type { ReadPacer } from "./readPacer";

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

/**
 * Counts what GitHub charges: every answer except a 304 costs one primary rate-limit point; secondary points are 1 per
 * GET/HEAD/OPTIONS and 5 per other method (304s included). The monitor reads the difference per check.
 */
export class RequestAccounting {
    requests = 0;
    notModified = 0;
    primaryPoints = 0;
    secondaryPoints = 0;

    /** Records one answered request. */
    note(method: string, status: number | undefined): void {
        this.requests++;
        this.secondaryPoints += /^(GET|HEAD|OPTIONS)$/i.test(method) ? 1 : 5;
        if (status === 304) this.notModified++;
        else this.primaryPoints++;
    }

    /** A copy of the counters, to subtract later. */
    snapshot(): RequestCounts {
        return {
            requests: this.requests,
            notModified: this.notModified,
            primaryPoints: this.primaryPoints,
            secondaryPoints: this.secondaryPoints,
        };
    }
}

/** Request counters (totals or the difference over a check). */
export interface RequestCounts {
    readonly requests: number;
    readonly notModified: number;
    readonly primaryPoints: number;
    readonly secondaryPoints: number;
}

/** `b - a`, field by field. */
export function countsSince(a: RequestCounts, b: RequestCounts): RequestCounts {
    return {
        requests: b.requests - a.requests,
        notModified: b.notModified - a.notModified,
        primaryPoints: b.primaryPoints - a.primaryPoints,
        secondaryPoints: b.secondaryPoints - a.secondaryPoints,
    };
}

export interface OctokitOptions {
    readonly baseUrl: string;
    /** A personal or fine-grained token; exactly one of `token` and `tokenSource`. */
    readonly token?: string;
    /** Supplies a current token per request (GitHub App installation tokens, renewed before they expire). */
    readonly tokenSource?: { token(): Promise<string> };
    readonly metrics?: Metrics;
    /** Counts requests and rate-limit points. */
    readonly accounting?: RequestAccounting;
    /** Spaces reads (GET) evenly; without it reads start as soon as the concurrency allows. */
    readonly pacer?: ReadPacer;
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
    if ((o.token === undefined) === (o.tokenSource === undefined))
        throw new Error("createOctokit needs exactly one of token and tokenSource.");
    const octokit = new ThrottledOctokit({
        ...(o.token !== undefined ? { auth: o.token } : {}),
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
    const { metrics, accounting, pacer, tokenSource } = o;
    if (tokenSource) {
        octokit.hook.before("request", async (options) => {
            options.headers.authorization = `token ${await tokenSource.token()}`;
        });
    }
    // Innermost hook: runs once per HTTP attempt (retries included), so pacing and accounting see every request.
    octokit.hook.wrap("request", async (request, options) => {
        const method = String(options.method);
        if (pacer && /^(GET|HEAD)$/i.test(method)) await pacer.take();
        const labels = { api: "github", route: routeTemplate(String(options.url)), method };
        const end = metrics?.apiDuration.startTimer(labels);
        try {
            const res = await request(options);
            end?.({ status: String(res.status) });
            accounting?.note(method, res.status);
            if (metrics) recordRateLimit(metrics, res.headers as Record<string, unknown>);
            return res;
        } catch (e) {
            const err = e as { status?: number; response?: { headers?: Record<string, unknown> } };
            end?.({ status: err.status ? String(err.status) : "error" });
            if (err.status !== undefined) accounting?.note(method, err.status);
            if (metrics && err.response?.headers) recordRateLimit(metrics, err.response.headers);
            throw e;
        }
    });
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

/** A secrets list that can be read page by page: a target's own store, or the org secrets a repository sees. */
export type ListSource =
    | { readonly kind: "target"; readonly target: Target }
    | { readonly kind: "repo-org"; readonly owner: string; readonly repo: string };

/** One page as GitHub answered it: 304 (the stored page is current) or 200 with its items, ETag and next link. */
export type PageAnswer =
    | { readonly status: 304 }
    | { readonly status: 200; readonly items: ListedSecret[]; readonly etag?: string; readonly next: boolean };

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

    /**
     * Reads one page (100 per page) of a list; with `etag` the request is conditional (`If-None-Match`) and a 304 —
     * which Octokit raises as an error — comes back as `{ status: 304 }`.
     */
    async listPage(source: ListSource, page: number, etag?: string): Promise<PageAnswer> {
        const headers = etag ? { "if-none-match": etag } : {};
        const params: Record<string, unknown> = { per_page: 100, page, headers };
        let route: string;
        if (source.kind === "repo-org") {
            route = "GET /repos/{owner}/{repo}/actions/organization-secrets";
            Object.assign(params, { owner: source.owner, repo: source.repo });
        } else {
            const t = source.target;
            if (t.scope === "org") {
                route = "GET /orgs/{org}/actions/secrets";
                params.org = t.owner;
            } else if (t.scope === "repo") {
                route = "GET /repos/{owner}/{repo}/actions/secrets";
                Object.assign(params, { owner: t.owner, repo: t.repo });
            } else {
                route = "GET /repos/{owner}/{repo}/environments/{environment_name}/secrets";
                Object.assign(params, { owner: t.owner, repo: t.repo, environment_name: t.environment });
            }
        }
        try {
            const res = await this.octokit.request(route, params);
            const data = res.data as { secrets: Sec[] };
            return {
                status: 200,
                items: data.secrets.map(toListed),
                etag: typeof res.headers.etag === "string" ? res.headers.etag : undefined,
                next: /rel="next"/.test(String(res.headers.link ?? "")),
            };
        } catch (e) {
            if ((e as { status?: number }).status === 304) return { status: 304 };
            throw e;
        }
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
