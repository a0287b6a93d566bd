/**
 * Service configuration: environment variables (secrets preferably as `*_FILE` paths, e.g. Docker secrets) and the
 * YAML mapping file named by `SYNC_CONFIG`, with `${VAR}` references expanded before validation.
 */
import { readFileSync } from "node:fs";
import YAML from "yaml";
import { ConfigError } from "./errors";
import { loadAttestations } from "./attestations";
import { parseSyncConfig, SyncConfigError, type SyncConfig } from "./syncConfig";
import type { GitHubAppCredentials } from "./githubAppAuth";

/** Everything main.ts needs to build the clients. */
export interface Config {
    readonly githubApiUrl: string;
    /** A token (`GITHUB_TOKEN_FILE`); exactly one of this and {@link githubApp}. */
    readonly githubToken?: string;
    /** GitHub App installation (`GITHUB_APP_ID`, `GITHUB_APP_INSTALLATION_ID`, `GITHUB_APP_PRIVATE_KEY_FILE`). */
    readonly githubApp?: GitHubAppCredentials;
    readonly pulumiBackendUrl: string;
    readonly pulumiAccessToken: string;
    readonly databaseUrl: string;
    readonly alertmanagerUrl?: string;
    readonly hmacKey: Buffer;
    /** Bearer token for approving heals over HTTP; approvals over HTTP are disabled without it. */
    readonly adminToken?: string;
    readonly port: number;
    readonly logLevel: string;
    readonly sync: SyncConfig;
    /** Attestation file of secrets the Pulumi program wrote (`SYNC_ATTESTATIONS_FILE`); validated here, re-read per check. */
    readonly attestationsFile?: string;
    /** Every secret read from the environment, to register with the redaction layer. */
    readonly secrets: readonly string[];
}

type Env = Record<string, string | undefined>;

/**
 * Reads the file named by `fileVar`. As in chat-cache, a variable set to "" or naming an empty file is an error: an
 * empty secret file is a deployment mistake, not "no secret" (unset the variable for that).
 */
function readSecretFile(env: Env, fileVar: string): string | undefined {
    const path = env[fileVar];
    if (path === undefined) return undefined;
    if (path.trim() === "")
        throw new ConfigError(`${fileVar} is set but empty; point it at a file or unset ${fileVar}.`);
    let text: string;
    try {
        text = readFileSync(path, "utf8").replace(/\r?\n$/, "");
    } catch (e) {
        throw new ConfigError(
            `${fileVar}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? "error"}); point it at a readable file.`,
        );
    }
    if (text.trim() === "")
        throw new ConfigError(
            `${fileVar} points at ${path}, which is empty. Put the secret in it or unset ${fileVar}.`,
        );
    return text;
}

/** GitHub App credentials when any `GITHUB_APP_*` variable is set; all three are then required. */
function githubApp(env: Env): GitHubAppCredentials | undefined {
    const id = secret(env, "GITHUB_APP_ID", false);
    const installation = secret(env, "GITHUB_APP_INSTALLATION_ID", false);
    const key = secret(env, "GITHUB_APP_PRIVATE_KEY", false);
    if (id === undefined && installation === undefined && key === undefined) return undefined;
    const missing = [
        id === undefined ? "GITHUB_APP_ID" : "",
        installation === undefined ? "GITHUB_APP_INSTALLATION_ID" : "",
        key === undefined ? "GITHUB_APP_PRIVATE_KEY_FILE" : "",
    ].filter(Boolean);
    if (missing.length)
        throw new ConfigError(
            `GitHub App authentication needs GITHUB_APP_ID, GITHUB_APP_INSTALLATION_ID and GITHUB_APP_PRIVATE_KEY_FILE; ${missing.join(", ")} ${missing.length > 1 ? "are" : "is"} not set.`,
        );
    if (!/^\d+$/.test(id!))
        throw new ConfigError('GITHUB_APP_ID must be the App\'s numeric id (App settings, "App ID").');
    if (!/^\d+$/.test(installation!))
        throw new ConfigError(
            "GITHUB_APP_INSTALLATION_ID must be the numeric installation id (the number at the end of the installation's settings URL).",
        );
    if (!/-----BEGIN (RSA )?PRIVATE KEY-----/.test(key!))
        throw new ConfigError(
            "GITHUB_APP_PRIVATE_KEY_FILE must hold the App's PEM private key as GitHub downloads it (-----BEGIN RSA PRIVATE KEY-----).",
        );
    return { appId: id!, installationId: Number(installation), privateKey: key! };
}

/** A secret from `NAME_FILE` (preferred) or `NAME`. */
function secret(env: Env, name: string, required: boolean): string | undefined {
    const v = readSecretFile(env, `${name}_FILE`) ?? env[name];
    if (required && (!v || v.trim() === ""))
        throw new ConfigError(`${name} is not set; set ${name}_FILE to a file holding it (or ${name}).`);
    return v?.trim() ? v.trim() : undefined;
}

function url(env: Env, name: string, def?: string): string | undefined {
    const v = env[name] ?? def;
    if (v === undefined || v === "") return undefined;
    try {
        const u = new URL(v);
        if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error();
    } catch {
        throw new ConfigError(`${name} must be an http(s) URL (got ${JSON.stringify(v)}).`);
    }
    return v.replace(/\/+$/, "");
}

/**
 * Expands `${VAR}` inside every string value of the parsed mapping (comments are not touched); an unset variable is
 * an error naming it, never a silent empty string.
 */
export function expandVars<T>(value: T, env: Env): T {
    if (typeof value === "string") {
        return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
            const v = env[name];
            if (v === undefined)
                throw new ConfigError(
                    `SYNC_CONFIG references \${${name}}, but ${name} is not set; set it or remove the reference.`,
                );
            return v;
        }) as T;
    }
    if (Array.isArray(value)) return value.map((v) => expandVars(v, env)) as T;
    if (value && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandVars(v, env)])) as T;
    }
    return value;
}

function databaseUrl(env: Env): string {
    const fromFile = readSecretFile(env, "DATABASE_URL_FILE");
    const raw = fromFile?.trim() || env.DATABASE_URL;
    if (!raw)
        throw new ConfigError(
            "DATABASE_URL is not set; set it to postgres://user@host:5432/db (password via DATABASE_PASSWORD_FILE) or use DATABASE_URL_FILE.",
        );
    let u: URL;
    try {
        u = new URL(raw);
    } catch {
        throw new ConfigError("DATABASE_URL is not a valid URL; expected postgres://user@host:5432/db.");
    }
    if (u.protocol !== "postgres:" && u.protocol !== "postgresql:")
        throw new ConfigError("DATABASE_URL must start with postgres:// or postgresql://.");
    const pw = readSecretFile(env, "DATABASE_PASSWORD_FILE");
    if (pw) u.password = encodeURIComponent(pw.trim());
    return u.toString();
}

/** Loads and validates the whole configuration; throws {@link ConfigError} naming the variable and the fix. */
export function loadConfig(env: Env = process.env): Config {
    const configPath = env.SYNC_CONFIG;
    if (!configPath)
        throw new ConfigError(
            "SYNC_CONFIG is not set; set it to the path of the sync mapping YAML (see runtime/sync-monitor/README.md).",
        );
    let text: string;
    try {
        text = readFileSync(configPath, "utf8");
    } catch (e) {
        throw new ConfigError(
            `SYNC_CONFIG: cannot read ${configPath} (${(e as NodeJS.ErrnoException).code ?? "error"}).`,
        );
    }
    let sync: SyncConfig;
    try {
        let doc: unknown;
        try {
            doc = YAML.parse(text);
        } catch (e) {
            throw new ConfigError(
                `SYNC_CONFIG: ${configPath} is not valid YAML (${(e as Error).message.split("\n")[0]}).`,
            );
        }
        sync = parseSyncConfig(expandVars(doc, env));
    } catch (e) {
        if (e instanceof SyncConfigError) throw new ConfigError(e.message);
        throw e;
    }
    const hmacText = readSecretFile(env, "SYNC_HMAC_KEY_FILE");
    if (!env.SYNC_HMAC_KEY_FILE)
        throw new ConfigError(
            "SYNC_HMAC_KEY_FILE is not set; point it at a file with at least 32 random bytes (e.g. `openssl rand -hex 32`).",
        );
    if (!hmacText || hmacText.trim().length < 32)
        throw new ConfigError("SYNC_HMAC_KEY_FILE must hold at least 32 characters of random key material.");
    const portText = env.PORT ?? "9091";
    const port = Number(portText);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new ConfigError(`PORT must be an integer 0-65535 (got ${JSON.stringify(portText)}).`);
    const app = githubApp(env);
    const githubToken = secret(env, "GITHUB_TOKEN", false);
    if (app && githubToken !== undefined)
        throw new ConfigError(
            "Both GITHUB_TOKEN(_FILE) and GITHUB_APP_* are set; choose one way to authenticate to GitHub and unset the other.",
        );
    if (!app && githubToken === undefined)
        throw new ConfigError(
            "GITHUB_TOKEN is not set; set GITHUB_TOKEN_FILE to a file holding a token, or authenticate as a GitHub App with GITHUB_APP_ID, GITHUB_APP_INSTALLATION_ID and GITHUB_APP_PRIVATE_KEY_FILE.",
        );
    const pulumiAccessToken = secret(env, "PULUMI_ACCESS_TOKEN", true)!;
    const adminToken = secret(env, "SYNC_ADMIN_TOKEN", false);
    if (adminToken !== undefined && adminToken.length < 16)
        throw new ConfigError("SYNC_ADMIN_TOKEN must be at least 16 characters.");
    const dbUrl = databaseUrl(env);
    const dbPassword = new URL(dbUrl).password;
    const attestationsFile = env.SYNC_ATTESTATIONS_FILE || undefined;
    if (attestationsFile) loadAttestations(attestationsFile, sync.esc.environment); // fail at start, not at the first check
    return {
        githubApiUrl: url(env, "GITHUB_API_URL", "https://api.github.com")!,
        githubToken,
        githubApp: app,
        pulumiBackendUrl: url(env, "PULUMI_BACKEND_URL", "https://api.pulumi.com")!,
        pulumiAccessToken,
        databaseUrl: dbUrl,
        alertmanagerUrl: url(env, "ALERTMANAGER_URL"),
        hmacKey: Buffer.from(hmacText.trim(), "utf8"),
        adminToken,
        port,
        logLevel: env.LOG_LEVEL ?? "info",
        sync,
        attestationsFile,
        secrets: [
            ...(githubToken ? [githubToken] : []),
            ...(app ? [app.privateKey] : []),
            pulumiAccessToken,
            hmacText.trim(),
            dbUrl,
            ...(dbPassword ? [decodeURIComponent(dbPassword), dbPassword] : []),
            ...(adminToken ? [adminToken] : []),
        ],
    };
}
