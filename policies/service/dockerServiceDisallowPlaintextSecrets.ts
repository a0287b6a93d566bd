import type { ResourceValidationPolicy } from "@pulumi/policy";
import { configWithDefaults } from "../lib/config";
import { validateService } from "../lib/policy";
import {
    NON_SECRET_SUFFIXES,
    SECRET_FILE_SUFFIXES,
    SECRET_NAME_PATTERN,
    secretNameKind,
} from "../lib/rules/secretNames";

interface Config {
    secretNamePattern: string;
    fileSuffixes: string[];
    nonSecretSuffixes: string[];
    allowedNames: string[];
}

const configSchema = {
    properties: {
        secretNamePattern: {
            type: "string" as const,
            default: SECRET_NAME_PATTERN,
            description: "Case-insensitive regular expression for env var names that carry secrets.",
        },
        fileSuffixes: {
            type: "array" as const,
            items: { type: "string" as const },
            default: [...SECRET_FILE_SUFFIXES],
            description:
                "Suffixes of env vars that name a secret file instead of carrying the secret (must point at a mounted Docker secret).",
        },
        nonSecretSuffixes: {
            type: "array" as const,
            items: { type: "string" as const },
            default: [...NON_SECRET_SUFFIXES],
            description: "Suffixes that make a secret-looking name harmless (CACHE_KEY_PREFIX, GITHUB_TOKEN_HEADER).",
        },
        allowedNames: {
            type: "array" as const,
            items: { type: "string" as const },
            default: [] as string[],
            description: "Env var names exempt from this policy.",
        },
    },
};

// scheme://user:password@host: a credential in a connection string, whatever the variable is called.
const URL_CREDENTIALS = /^[a-z][a-z0-9+.-]*:\/\/[^/\s@:]*:[^/\s@]+@/i;

/**
 * Checks that no secret reaches a service as a literal env value. Env vars are visible to anyone who can run
 * `docker service inspect`; Docker secrets are mounted as files readable only inside the task. Messages name the
 * variable, never its value.
 */
export const dockerServiceDisallowPlaintextSecrets: ResourceValidationPolicy = {
    name: "docker-service-disallow-plaintext-secrets",
    description:
        "Checks that env vars named like secrets (PASSWORD, TOKEN, SECRET, KEY, ...) carry no literal value and that *_FILE variables point at mounted Docker secret files.",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps:
        "Pass the secret through SwarmService `secrets` (a Docker secret mounted under /run/secrets) and give the process the file's path, e.g. POSTGRES_PASSWORD_FILE=/run/secrets/postgres_password; rotate any secret that was deployed in plaintext.",
    configSchema,
    validateResource: validateService((svc, name, args, report) => {
        const cfg = configWithDefaults<Config>(configSchema, args.getConfig());
        const rule = {
            pattern: cfg.secretNamePattern,
            nonSecretSuffixes: cfg.nonSecretSuffixes,
            fileSuffixes: cfg.fileSuffixes,
        };
        const env = svc.taskSpec?.containerSpec?.env ?? {};
        const secretFiles = new Set(
            (svc.taskSpec?.containerSpec?.secrets ?? []).map((s) => s?.fileName).filter(Boolean),
        );
        for (const [key, value] of Object.entries(env)) {
            if (cfg.allowedNames.includes(key)) {
                continue;
            }
            const text = typeof value === "string" ? value : JSON.stringify(value);
            if (typeof value === "string" && URL_CREDENTIALS.test(value)) {
                report(
                    `Service "${name}" must not embed credentials in the URL of env var ${key}; mount the password as a Docker secret file.`,
                );
                continue;
            }
            const kind = secretNameKind(key, rule);
            if (kind === undefined) {
                continue;
            }
            if (kind === "file") {
                if (!secretFiles.has(text)) {
                    report(
                        `Service "${name}" must point env var ${key} at a mounted Docker secret file (one of taskSpec.containerSpec.secrets[].fileName).`,
                    );
                }
            } else if (text !== "") {
                report(
                    `Service "${name}" must not pass a secret in plaintext env var ${key}; mount it as a Docker secret file and pass its path (${key}_FILE).`,
                );
            }
        }
    }),
};
