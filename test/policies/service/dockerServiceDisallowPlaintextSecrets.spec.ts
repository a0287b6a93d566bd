import { expect } from "chai";
import { dockerServiceDisallowPlaintextSecrets as policy } from "../../../policies/service/dockerServiceDisallowPlaintextSecrets";
import { appService, postgresService, SERVICE } from "../fixtures";
import { assertMetadata, assertNoViolations, assertViolations, resourceArgs, runResourcePolicy } from "../util";

const withEnv = (env: Record<string, string>) => {
    const svc = appService();
    svc.taskSpec.containerSpec.env = { ...svc.taskSpec.containerSpec.env, ...env };
    return svc;
};

describe("docker-service-disallow-plaintext-secrets", () => {
    it("has the pack's metadata", () =>
        assertMetadata(policy, "docker-service-disallow-plaintext-secrets", "mandatory"));

    it("passes secret files, non-secret names such as CACHE_KEY_PREFIX, and empty values", async () => {
        await assertNoViolations(
            policy,
            resourceArgs(policy, SERVICE, withEnv({ GITHUB_TOKEN: "", SESSION_KEY_TTL: "3600" })),
        );
        await assertNoViolations(policy, resourceArgs(policy, SERVICE, postgresService()));
    });

    it("fails a literal password, naming the variable but never its value", async () => {
        const messages = await runResourcePolicy(
            policy,
            resourceArgs(policy, SERVICE, withEnv({ POSTGRES_PASSWORD: "hunter2" })),
        );
        expect(messages).to.deep.equal([
            'Service "api" must not pass a secret in plaintext env var POSTGRES_PASSWORD; mount it as a Docker secret file and pass its path (POSTGRES_PASSWORD_FILE).',
        ]);
        expect(messages.join()).to.not.include("hunter2");
    });

    it("flags TOKEN, SECRET, API key and credential names in any case", async () => {
        const messages = await runResourcePolicy(
            policy,
            resourceArgs(
                policy,
                SERVICE,
                withEnv({ github_token: "ghp_x", JWT_SECRET: "x", UPSTREAM_API_KEY: "sk-x", AWS_CREDENTIALS: "x" }),
            ),
        );
        expect(messages.map((m) => m.split(" env var ")[1].split(";")[0])).to.deep.equal([
            "github_token",
            "JWT_SECRET",
            "UPSTREAM_API_KEY",
            "AWS_CREDENTIALS",
        ]);
    });

    it("fails a secret value even when it was a Pulumi secret (env is visible in docker service inspect)", async () => {
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, withEnv({ REDIS_PASSWORD: "[secret]" })),
            'Service "api" must not pass a secret in plaintext env var REDIS_PASSWORD; mount it as a Docker secret file and pass its path (REDIS_PASSWORD_FILE).',
        );
    });

    it("fails a *_FILE variable that does not point at a mounted Docker secret", async () => {
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, withEnv({ DB_PASSWORD_FILE: "/etc/db-password" })),
            'Service "api" must point env var DB_PASSWORD_FILE at a mounted Docker secret file (one of taskSpec.containerSpec.secrets[].fileName).',
        );
    });

    it("fails credentials embedded in a connection URL", async () => {
        const messages = await runResourcePolicy(
            policy,
            resourceArgs(policy, SERVICE, withEnv({ REDIS_URL: "redis://:hunter2@redis:6379/0" })),
        );
        expect(messages).to.deep.equal([
            'Service "api" must not embed credentials in the URL of env var REDIS_URL; mount the password as a Docker secret file.',
        ]);
        expect(messages.join()).to.not.include("hunter2");
    });

    it("passes a URL without credentials", async () => {
        await assertNoViolations(
            policy,
            resourceArgs(
                policy,
                SERVICE,
                withEnv({ REDIS_URL: "redis://redis:6379/0", UPSTREAM_BASE_URL: "https://api.openai.com/v1" }),
            ),
        );
    });

    it("takes an allow-list and the name pattern from config", async () => {
        const svc = withEnv({ SIGNING_KEY: "public-key-id", MASTER_PIN: "1234" });
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, svc, { config: { allowedNames: ["SIGNING_KEY"] } }),
        );
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, svc, {
                config: { allowedNames: ["SIGNING_KEY"], secretNamePattern: "PIN$" },
            }),
            'Service "api" must not pass a secret in plaintext env var MASTER_PIN; mount it as a Docker secret file and pass its path (MASTER_PIN_FILE).',
        );
    });
});
