/**
 * The secret config keys. They are not part of the parsed stack config: index.ts reads each one only where a
 * component needs it and wraps it as a Pulumi secret at once, so a value never passes through a schema (whose
 * errors could echo it). Their descriptions live here so the Pulumi.yaml test covers them too.
 */

/** Secret keys a stack with `secretsSource: esc` receives from its ESC environment, with their descriptions. */
export const SECRET_CONFIG_KEYS = {
    postgresPassword: "Postgres superuser password (secret; from ESC when secretsSource is esc). Empty means unset.",
    redisPassword: "Redis password (secret; from ESC when secretsSource is esc). Empty means unset.",
    grafanaAdminPassword: "Grafana admin password (secret; from ESC when secretsSource is esc, else generated).",
    syncHmacKey: "Key of the sync-monitor's ledger HMAC, at least 32 characters (secret; from ESC, else generated).",
    syncAdminToken:
        "Bearer token that approves high-risk heals of the sync-monitor (secret; from ESC, else generated).",
    githubToken:
        "GitHub token that manages the Actions secrets and that the sync-monitor reads them with (secret, from ESC). Without it the stack manages no GitHub secrets.",
    pulumiAccessToken: "Pulumi access token with which the sync-monitor opens the ESC environment (secret, from ESC).",
    registryPassword: "Password or token of runtime.registry.username (secret, from ESC).",
    slackWebhookUrl: "Slack incoming-webhook URL of the Alertmanager receiver (secret, from ESC).",
    smtpPassword: "SMTP password of the Alertmanager email receiver (secret, from ESC).",
    upstreamApiKey:
        "API key chat-cache sends upstream; empty means the client's own Authorization is forwarded (secret).",
} as const;

/** A secret config key. */
export type SecretConfigKey = keyof typeof SECRET_CONFIG_KEYS;

/**
 * Secret config keys a stack with `secretsSource: esc` must receive (normally from its imported ESC environment).
 * The offline plan fills exactly these with marked placeholders when it cannot reach ESC.
 */
export const ESC_SECRET_KEYS = Object.keys(SECRET_CONFIG_KEYS) as SecretConfigKey[];

/** Secret config key holding the tree of ESC values that GitHub secrets are set from (keys are the mapping's paths). */
export const GITHUB_SECRET_VALUES_KEY = "githubSecretValues";

/** Its description (Pulumi.yaml). */
export const GITHUB_SECRET_VALUES_DESCRIPTION =
    "The ESC values that GitHub Actions secrets are set from, as a tree whose dotted paths are the `key`s of github.sync.secrets (secret; normally `${github}`-style references in the ESC environment's pulumiConfig).";
