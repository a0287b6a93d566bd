/**
 * GitHub App authentication: installation tokens from `@octokit/auth-app` (which signs the app JWT and calls
 * `POST /app/installations/{id}/access_tokens`), renewed before they expire. The library caches a token for 59 minutes
 * whatever its `expires_at`; this source renews from the token's own `expires_at` minus a margin, so a shorter-lived
 * token (GitHub may issue one) is never used after it expired.
 */
import { createAppAuth } from "@octokit/auth-app";
import { Octokit } from "@octokit/rest";
import type { Clock } from "./clock";

/** The App's identity: from `GITHUB_APP_ID`, `GITHUB_APP_INSTALLATION_ID` and `GITHUB_APP_PRIVATE_KEY_FILE`. */
export interface GitHubAppCredentials {
    readonly appId: string;
    readonly installationId: number;
    /** PEM (PKCS#1 or PKCS#8) as GitHub downloads it. */
    readonly privateKey: string;
}

export interface InstallationTokenSourceOptions {
    readonly baseUrl: string;
    readonly app: GitHubAppCredentials;
    readonly clock: Clock;
    /** Renew this long before `expires_at`. Defaults to 5 minutes. */
    readonly refreshMarginMs?: number;
    /** Called with every new token, before it is used (to register it with the redaction layer). */
    readonly onToken?: (token: string) => void;
}

/** Hands out a valid installation token, creating and renewing it as needed. */
export class InstallationTokenSource {
    private current?: { token: string; expiresAt: number };
    private pending?: Promise<string>;
    private readonly auth: ReturnType<typeof createAppAuth>;
    /** Tokens created so far (for logs and tests). */
    created = 0;

    constructor(private readonly o: InstallationTokenSourceOptions) {
        // An unauthenticated client for the token endpoint; the library adds the app JWT itself.
        const plain = new Octokit({ baseUrl: o.baseUrl.replace(/\/+$/, ""), userAgent: "sophia-sync-monitor" });
        this.auth = createAppAuth({
            appId: o.app.appId,
            privateKey: o.app.privateKey,
            installationId: o.app.installationId,
            request: plain.request,
        });
    }

    /** A token valid for at least the refresh margin. Concurrent callers share one renewal. */
    async token(): Promise<string> {
        const margin = this.o.refreshMarginMs ?? 5 * 60_000;
        if (this.current && this.o.clock.now() < this.current.expiresAt - margin) return this.current.token;
        this.pending ??= this.renew().finally(() => (this.pending = undefined));
        return this.pending;
    }

    private async renew(): Promise<string> {
        // `refresh` skips the library's own cache: the decision to renew is ours (see the file comment).
        const a = await this.auth({ type: "installation", refresh: this.current !== undefined });
        this.o.onToken?.(a.token);
        this.current = { token: a.token, expiresAt: Date.parse(a.expiresAt) };
        this.created++;
        return a.token;
    }
}
