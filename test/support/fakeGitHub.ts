/**
 * Loopback fake of the GitHub REST API for Actions secrets, speaking the real wire format: org/repo/environment
 * secret list/get/put/delete, public keys (the fake holds the private half, so it decrypts every pushed sealed box
 * and tests can check the value), `organization-secrets` per repo, pagination with `link`, rate-limit headers,
 * injectable 403/429 secondary limits (with and without `retry-after`) and 5xx, and optional latency.
 *
 * Conditional requests and rate-limit accounting as GitHub documents them: every GET answer carries a weak `etag`; a
 * request whose `If-None-Match` names the current one gets `304 Not Modified` without a body and does not count
 * against the primary limit (authenticated requests only); every other request costs one primary point, and at zero
 * the answer is 403 `API rate limit exceeded` with `x-ratelimit-remaining: 0`. Secondary points are counted per
 * rolling minute (GET/HEAD/OPTIONS 1, other methods 5; 304s included, since GitHub does not say they are exempt);
 * above `secondaryPointsPerMinute` the answer is 403 "secondary rate limit" with `retry-after: 60`.
 *
 * Standalone: `ts-node test/support/fakeGitHub.ts --port 8081 --token T [--latency 30] [--seed seed.json]`.
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { readFileSync } from "node:fs";
import { createHash, randomBytes, verify } from "node:crypto";
import { listenLoopback } from "./loopbackServer";
import { cliArg as arg, serveUntilSignal } from "./standalone";
// libsodium-wrappers: CommonJS build (its ESM entry is broken).
import sodium = require("libsodium-wrappers");

interface StoredSecret {
    value: string;
    created_at: string;
    updated_at: string;
    visibility?: string;
    selected?: number[];
}
interface Store {
    secrets: Map<string, StoredSecret>;
    publicKey: Uint8Array;
    privateKey: Uint8Array;
    keyId: string;
}
interface Repo {
    id: number;
    owner: string;
    name: string;
    private: boolean;
    environments: Set<string>;
}

/** A scripted failure for matching requests. */
export interface Failure {
    method?: string;
    /** Substring or regex of the path. */
    path: string | RegExp;
    status: number;
    headers?: Record<string, string>;
    body?: unknown;
    /** How many requests to fail (default 1). */
    times?: number;
}

/** One request the fake answered. */
export interface Call {
    method: string;
    path: string;
    status: number;
    /** Epoch ms when the answer was sent. */
    at: number;
    /** The token the request authenticated with (fakes only; tests check which token was used). */
    token?: string;
}

/** A GitHub App the fake knows: installation tokens are issued to JWTs signed with its key. */
export interface FakeGitHubApp {
    id: number;
    installationId: number;
    /** PEM public key matching the App's private key. */
    publicKeyPem: string;
    /** Lifetime of an installation token; GitHub's is one hour. */
    tokenTtlMs?: number;
}

export interface FakeGitHubOptions {
    port?: number;
    /** Token clients must send (`token X` or `Bearer X`); default "test-token". */
    token?: string;
    /** Added delay before each answer, ms. */
    latencyMs?: number;
    /** Starting x-ratelimit-remaining; default 5000. */
    rateLimit?: number;
    /** Secondary limit in points per rolling minute; default 900 (GitHub's REST limit). */
    secondaryPointsPerMinute?: number;
    /** Accept GitHub App installation tokens (`POST /app/installations/{id}/access_tokens`). */
    app?: FakeGitHubApp;
}

export type ScopeRef =
    | { scope: "org"; owner: string }
    | { scope: "repo"; owner: string; repo: string }
    | { scope: "environment"; owner: string; repo: string; environment: string };

/** Handle on a running fake. */
export interface FakeGitHub {
    readonly url: string;
    readonly port: number;
    readonly calls: Call[];
    /** Primary rate-limit points spent so far (304s are free). */
    primaryPointsUsed(): number;
    /** Requests refused for the secondary limit so far. */
    secondaryLimited(): number;
    /** Installation tokens issued, in order, with their expiry (epoch ms). */
    readonly installationTokens: { token: string; expiresAt: number }[];
    addOrg(org: string): void;
    addRepo(owner: string, repo: string, opts?: { private?: boolean; environments?: string[] }): number;
    /** Out-of-band write (as a human or another tool would do it). */
    setSecret(
        ref: ScopeRef,
        name: string,
        value: string,
        extra?: {
            visibility?: string;
            selected?: number[];
            /** ISO time instead of "now" (bulk seeding). */ at?: string;
        },
    ): void;
    deleteSecret(ref: ScopeRef, name: string): void;
    /** Decrypted value of a secret, or undefined. */
    value(ref: ScopeRef, name: string): string | undefined;
    names(ref: ScopeRef): string[];
    meta(ref: ScopeRef, name: string): { created_at: string; updated_at: string; visibility?: string } | undefined;
    rotateKey(ref: ScopeRef): void;
    fail(f: Failure): void;
    resetCalls(): void;
    close(): Promise<void>;
}

const storeKey = (r: ScopeRef): string =>
    r.scope === "org"
        ? `org:${r.owner}`
        : r.scope === "repo"
          ? `repo:${r.owner}/${r.repo}`
          : `env:${r.owner}/${r.repo}/${r.environment}`;

/** Starts the fake on 127.0.0.1. */
export async function startFakeGitHub(opts: FakeGitHubOptions = {}): Promise<FakeGitHub> {
    await sodium.ready;
    const token = opts.token ?? "test-token";
    const stores = new Map<string, Store>();
    const repos = new Map<string, Repo>();
    const orgs = new Set<string>();
    const failures: Failure[] = [];
    const calls: Call[] = [];
    let remaining = opts.rateLimit ?? 5000;
    let nextRepoId = 1000;
    let keySerial = 1;
    let lastStamp = 0;
    const resetAt = Math.floor(Date.now() / 1000) + 3600;
    const secondaryLimit = opts.secondaryPointsPerMinute ?? 900;
    const installationTokens: { token: string; expiresAt: number }[] = [];
    const secondaryWindow: { at: number; points: number }[] = [];
    let secondaryLimitedCount = 0;

    // GitHub timestamps have one-second resolution; every write gets a strictly later second so "updated_at
    // advanced" is observable without sleeping.
    const stamp = (): string => {
        lastStamp = Math.max(Math.floor(Date.now() / 1000), lastStamp + 1);
        return new Date(lastStamp * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
    };
    const newStore = (): Store => {
        const kp = sodium.crypto_box_keypair();
        return { secrets: new Map(), publicKey: kp.publicKey, privateKey: kp.privateKey, keyId: `key-${keySerial++}` };
    };
    const store = (k: string): Store => {
        let s = stores.get(k);
        if (!s) {
            s = newStore();
            stores.set(k, s);
        }
        return s;
    };

    const send = (res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) => {
        const h: Record<string, string> = {
            "content-type": "application/json; charset=utf-8",
            "x-ratelimit-limit": String(opts.rateLimit ?? 5000),
            "x-ratelimit-remaining": String(Math.max(0, remaining)),
            "x-ratelimit-used": String((opts.rateLimit ?? 5000) - Math.max(0, remaining)),
            "x-ratelimit-reset": String(resetAt),
            "x-ratelimit-resource": "core",
            "x-github-api-version-selected": "2022-11-28",
            ...headers,
        };
        res.writeHead(status, h);
        res.end(body === undefined || status === 204 || status === 304 ? undefined : JSON.stringify(body));
    };

    const paginate = (req: IncomingMessage, res: ServerResponse, url: URL, items: unknown[], key: string) => {
        const per = Math.min(100, Math.max(1, Number(url.searchParams.get("per_page") ?? 30) || 30));
        const page = Math.max(1, Number(url.searchParams.get("page") ?? 1) || 1);
        const last = Math.max(1, Math.ceil(items.length / per));
        const slice = items.slice((page - 1) * per, page * per);
        const link = (p: number, rel: string) => {
            const u = new URL(url.toString());
            u.searchParams.set("page", String(p));
            u.searchParams.set("per_page", String(per));
            return `<http://${req.headers.host}${u.pathname}${u.search}>; rel="${rel}"`;
        };
        const links: string[] = [];
        if (page < last) links.push(link(page + 1, "next"), link(last, "last"));
        if (page > 1) links.push(link(1, "first"), link(page - 1, "prev"));
        const body = { total_count: items.length, [key]: slice };
        const headers: Record<string, string> = links.length ? { link: links.join(", ") } : {};
        sendConditional(req, res, body, headers);
    };

    /** 200 with a weak ETag over the body, or 304 (free for the primary limit) when `If-None-Match` names it. */
    const sendConditional = (
        req: IncomingMessage,
        res: ServerResponse,
        body: unknown,
        headers: Record<string, string> = {},
    ) => {
        const etag = `W/"${createHash("sha256").update(JSON.stringify(body)).digest("hex").slice(0, 40)}"`;
        const inm = String(req.headers["if-none-match"] ?? "");
        if (inm && inm.split(/\s*,\s*/).includes(etag)) {
            remaining++; // GitHub: a 304 to an authenticated conditional request does not count
            return send(res, 304, undefined, { etag, ...headers });
        }
        send(res, 200, body, { etag, ...headers });
    };

    const parseBody = (data: string): Record<string, unknown> => {
        try {
            return data ? JSON.parse(data) : {};
        } catch {
            return { __invalid: true };
        }
    };

    const listView = (name: string, s: StoredSecret, org?: string) => ({
        name,
        created_at: s.created_at,
        updated_at: s.updated_at,
        ...(org
            ? {
                  visibility: s.visibility,
                  ...(s.visibility === "selected"
                      ? {
                            selected_repositories_url: `https://api.github.com/orgs/${org}/actions/secrets/${name}/repositories`,
                        }
                      : {}),
              }
            : {}),
    });

    const visibleTo = (repo: Repo, s: StoredSecret) =>
        s.visibility === "all" ||
        (s.visibility === "private" && repo.private) ||
        (s.visibility === "selected" && (s.selected ?? []).includes(repo.id));

    async function route(req: IncomingMessage, res: ServerResponse, rawBody: string): Promise<void> {
        const url = new URL(req.url ?? "/", "http://localhost");
        const method = req.method ?? "GET";
        const p = url.pathname;
        if (p.startsWith("/_fake/")) {
            if (p === "/_fake/calls") return send(res, 200, calls);
            if (p === "/_fake/secrets") {
                const out: unknown[] = [];
                for (const [k, s] of stores)
                    for (const [n, v] of s.secrets)
                        out.push({
                            store: k,
                            name: n,
                            value: v.value,
                            updated_at: v.updated_at,
                            visibility: v.visibility,
                        });
                return send(res, 200, out);
            }
            return send(res, 404, { message: "Not Found" });
        }
        const appRoute = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(p);
        if (appRoute && method === "POST") return issueInstallationToken(req, res, Number(appRoute[1]));
        const auth = req.headers.authorization ?? "";
        const presented = auth.replace(/^(token|bearer)\s+/i, "");
        const issued = installationTokens.find((t) => t.token === presented);
        const valid = presented === token || (issued !== undefined && issued.expiresAt > Date.now());
        if (!valid)
            return send(res, 401, { message: "Bad credentials", documentation_url: "https://docs.github.com/rest" });
        const now = Date.now();
        while (secondaryWindow.length && secondaryWindow[0].at <= now - 60_000) secondaryWindow.shift();
        const points = method === "GET" || method === "HEAD" || method === "OPTIONS" ? 1 : 5;
        if (secondaryWindow.reduce((a, w) => a + w.points, 0) + points > secondaryLimit) {
            secondaryLimitedCount++;
            return send(
                res,
                403,
                {
                    message:
                        "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
                    documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
                },
                { "retry-after": "60" },
            );
        }
        secondaryWindow.push({ at: now, points });
        if (remaining <= 0)
            return send(
                res,
                403,
                {
                    message: "API rate limit exceeded for installation.",
                    documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
                },
                { "x-ratelimit-remaining": "0" },
            );
        remaining--;
        const f = failures.find(
            (x) =>
                (!x.method || x.method === method) &&
                (typeof x.path === "string" ? p.includes(x.path) : x.path.test(p)),
        );
        if (f) {
            f.times = (f.times ?? 1) - 1;
            if (f.times <= 0) failures.splice(failures.indexOf(f), 1);
            return send(res, f.status, f.body ?? { message: "Server Error" }, f.headers ?? {});
        }
        const seg = p.split("/").slice(1).map(decodeURIComponent);
        let ref: ScopeRef | undefined;
        let rest: string[] = [];
        let repo: Repo | undefined;
        if (seg[0] === "orgs" && seg[2] === "actions" && seg[3] === "secrets") {
            if (!orgs.has(seg[1])) return send(res, 404, { message: "Not Found" });
            ref = { scope: "org", owner: seg[1] };
            rest = seg.slice(4);
        } else if (seg[0] === "repos") {
            repo = repos.get(`${seg[1]}/${seg[2]}`);
            if (!repo) return send(res, 404, { message: "Not Found" });
            if (seg.length === 3 && method === "GET")
                return sendConditional(req, res, {
                    id: repo.id,
                    name: repo.name,
                    full_name: `${repo.owner}/${repo.name}`,
                    private: repo.private,
                });
            if (seg[3] === "actions" && seg[4] === "organization-secrets" && seg.length === 5 && method === "GET") {
                const org = stores.get(`org:${repo.owner}`);
                const items = org
                    ? [...org.secrets.entries()]
                          .filter(([, s]) => visibleTo(repo!, s))
                          .sort(([a], [b]) => a.localeCompare(b))
                          .map(([n, s]) => listView(n, s, repo!.owner))
                    : [];
                return paginate(req, res, url, items, "secrets");
            }
            if (seg[3] === "actions" && seg[4] === "secrets") {
                ref = { scope: "repo", owner: seg[1], repo: seg[2] };
                rest = seg.slice(5);
            } else if (seg[3] === "environments" && seg[5] === "secrets") {
                if (!repo.environments.has(seg[4])) return send(res, 404, { message: "Not Found" });
                ref = { scope: "environment", owner: seg[1], repo: seg[2], environment: seg[4] };
                rest = seg.slice(6);
            }
        }
        if (!ref) return send(res, 404, { message: "Not Found" });
        const st = store(storeKey(ref));
        const isOrg = ref.scope === "org";
        if (rest.length === 0 && method === "GET") {
            const items = [...st.secrets.entries()]
                .sort(([a], [b]) => a.localeCompare(b))
                .map(([n, s]) => listView(n, s, isOrg ? ref!.owner : undefined));
            return paginate(req, res, url, items, "secrets");
        }
        if (rest.length === 1 && rest[0] === "public-key" && method === "GET") {
            return sendConditional(req, res, {
                key_id: st.keyId,
                key: sodium.to_base64(st.publicKey, sodium.base64_variants.ORIGINAL),
            });
        }
        if (rest.length !== 1) return send(res, 404, { message: "Not Found" });
        const name = rest[0].toUpperCase();
        const existing = st.secrets.get(name);
        if (method === "GET")
            return existing
                ? sendConditional(req, res, listView(name, existing, isOrg ? ref.owner : undefined))
                : send(res, 404, { message: "Not Found" });
        if (method === "DELETE") {
            if (!existing) return send(res, 404, { message: "Not Found" });
            st.secrets.delete(name);
            return send(res, 204);
        }
        if (method === "PUT") {
            const body = parseBody(rawBody);
            if (!/^[A-Z_][A-Z0-9_]*$/.test(name) || name.startsWith("GITHUB_"))
                return send(res, 422, { message: "Invalid secret name" });
            if (typeof body.key_id !== "string")
                return send(res, 422, { message: 'Invalid request.\n\n"key_id" wasn\'t supplied.' });
            if (body.key_id !== st.keyId) return send(res, 422, { message: "Bad key_id" });
            if (isOrg && !["all", "private", "selected"].includes(String(body.visibility)))
                return send(res, 422, { message: 'Invalid request.\n\n"visibility" wasn\'t supplied.' });
            let plain: string;
            try {
                plain = sodium.to_string(
                    sodium.crypto_box_seal_open(
                        sodium.from_base64(String(body.encrypted_value), sodium.base64_variants.ORIGINAL),
                        st.publicKey,
                        st.privateKey,
                    ),
                );
            } catch {
                return send(res, 422, { message: "Could not decrypt encrypted_value" });
            }
            const now = stamp();
            st.secrets.set(name, {
                value: plain,
                created_at: existing?.created_at ?? now,
                updated_at: now,
                ...(isOrg
                    ? {
                          visibility: String(body.visibility),
                          selected: Array.isArray(body.selected_repository_ids)
                              ? (body.selected_repository_ids as number[])
                              : existing?.selected,
                      }
                    : {}),
            });
            return send(res, existing ? 204 : 201, existing ? undefined : {});
        }
        return send(res, 404, { message: "Not Found" });
    }

    /** Verifies the App JWT (RS256, iss = app id, not expired) as GitHub does, then issues a `ghs_` token. */
    function issueInstallationToken(req: IncomingMessage, res: ServerResponse, installationId: number): void {
        const app = opts.app;
        const jwt = String(req.headers.authorization ?? "").replace(/^bearer\s+/i, "");
        const [h, pl, sig] = jwt.split(".");
        let ok: boolean;
        let claims: { iss?: unknown; exp?: number; iat?: number } = {};
        try {
            claims = JSON.parse(Buffer.from(pl, "base64url").toString("utf8"));
            ok =
                !!app &&
                JSON.parse(Buffer.from(h, "base64url").toString("utf8")).alg === "RS256" &&
                verify("RSA-SHA256", Buffer.from(`${h}.${pl}`), app.publicKeyPem, Buffer.from(sig, "base64url"));
        } catch {
            ok = false;
        }
        const now = Math.floor(Date.now() / 1000);
        if (!ok || String(claims.iss) !== String(app!.id) || !claims.exp || claims.exp < now)
            return send(res, 401, { message: "A JSON web token could not be decoded" });
        if (installationId !== app!.installationId) return send(res, 404, { message: "Not Found" });
        const expiresAt = Date.now() + (app!.tokenTtlMs ?? 3_600_000);
        const t = `ghs_${randomBytes(27).toString("base64url").replace(/[-_]/g, "x").slice(0, 36)}`;
        installationTokens.push({ token: t, expiresAt });
        send(res, 201, {
            token: t,
            expires_at: new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, "Z"),
            permissions: { secrets: "write", metadata: "read" },
            repository_selection: "all",
        });
    }

    const server = http.createServer((req, res) => {
        res.on("finish", () =>
            calls.push({
                method: req.method ?? "",
                path: (req.url ?? "").split("?")[0],
                status: res.statusCode,
                at: Date.now(),
                token: String(req.headers.authorization ?? "").replace(/^(token|bearer)\s+/i, "") || undefined,
            }),
        );
        // Read the whole request first: answering before the request is consumed stalls keep-alive connections.
        let data = "";
        req.on("data", (c) => (data += c));
        req.on("end", () => {
            const done = () => route(req, res, data).catch((e) => send(res, 500, { message: String(e) }));
            if (opts.latencyMs) setTimeout(done, opts.latencyMs);
            else void done();
        });
    });
    server.keepAliveTimeout = 1000;
    const { url, port, close } = await listenLoopback(server, opts.port);

    return {
        url,
        port,
        calls,
        primaryPointsUsed: () => (opts.rateLimit ?? 5000) - remaining,
        secondaryLimited: () => secondaryLimitedCount,
        installationTokens,
        addOrg: (org) => void orgs.add(org),
        addRepo(owner, name, o = {}) {
            const r: Repo = {
                id: nextRepoId++,
                owner,
                name,
                private: o.private ?? true,
                environments: new Set(o.environments ?? []),
            };
            repos.set(`${owner}/${name}`, r);
            return r.id;
        },
        setSecret(ref, name, value, extra = {}) {
            const st = store(storeKey(ref));
            const now = extra.at ?? stamp();
            const prev = st.secrets.get(name.toUpperCase());
            st.secrets.set(name.toUpperCase(), {
                value,
                created_at: prev?.created_at ?? now,
                updated_at: now,
                ...(ref.scope === "org"
                    ? {
                          visibility: extra.visibility ?? prev?.visibility ?? "private",
                          selected: extra.selected ?? prev?.selected,
                      }
                    : {}),
            });
        },
        deleteSecret: (ref, name) => void store(storeKey(ref)).secrets.delete(name.toUpperCase()),
        value: (ref, name) => stores.get(storeKey(ref))?.secrets.get(name.toUpperCase())?.value,
        names: (ref) => [...(stores.get(storeKey(ref))?.secrets.keys() ?? [])].sort(),
        meta(ref, name) {
            const s = stores.get(storeKey(ref))?.secrets.get(name.toUpperCase());
            return s ? { created_at: s.created_at, updated_at: s.updated_at, visibility: s.visibility } : undefined;
        },
        rotateKey(ref) {
            const st = store(storeKey(ref));
            const kp = newStore();
            st.publicKey = kp.publicKey;
            st.privateKey = kp.privateKey;
            st.keyId = kp.keyId;
        },
        fail: (f) => void failures.push({ ...f }),
        resetCalls: () => void calls.splice(0),
        close,
    };
}

/** Seed file format for standalone runs. */
export interface FakeGitHubSeed {
    orgs?: string[];
    repos?: { owner: string; repo: string; private?: boolean; environments?: string[] }[];
    secrets?: (ScopeRef & { name: string; value: string; visibility?: string })[];
}

if (require.main === module) {
    void (async () => {
        const fake = await startFakeGitHub({
            port: Number(arg("port") ?? 0),
            token: arg("token"),
            latencyMs: Number(arg("latency") ?? 0),
        });
        const seedPath = arg("seed");
        if (seedPath) {
            const seed = JSON.parse(readFileSync(seedPath, "utf8")) as FakeGitHubSeed;
            for (const o of seed.orgs ?? []) fake.addOrg(o);
            for (const r of seed.repos ?? []) fake.addRepo(r.owner, r.repo, r);
            for (const s of seed.secrets ?? []) fake.setSecret(s, s.name, s.value, { visibility: s.visibility });
        }
        serveUntilSignal(fake, `fake GitHub listening on ${fake.url}`);
    })();
}
