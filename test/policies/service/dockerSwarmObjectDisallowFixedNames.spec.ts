import { dockerSwarmObjectDisallowFixedNames as policy } from "../../../policies/service/dockerSwarmObjectDisallowFixedNames";
import { assertMetadata, assertNoViolations, assertViolations, resourceArgs } from "../util";

const CONFIG = "docker:index/serviceConfig:ServiceConfig";
const SECRET = "docker:index/secret:Secret";
const config = (): Record<string, any> => ({
    data: Buffer.from("a: 1\n").toString("base64"),
    labels: [{ label: "sophia.config", value: "app" }],
});

describe("docker-swarm-object-disallow-fixed-names", () => {
    it("has the pack's metadata", () =>
        assertMetadata(policy, "docker-swarm-object-disallow-fixed-names", "mandatory"));

    it("passes autonamed configs and secrets: no name, a name the provider chose, or one listed in __defaults", async () => {
        const name = "api-config-app";
        await assertNoViolations(policy, resourceArgs(policy, CONFIG, config(), { name }));
        await assertNoViolations(policy, resourceArgs(policy, SECRET, config(), { name }));
        await assertNoViolations(
            policy,
            resourceArgs(policy, CONFIG, { ...config(), name: "api-config-app-3f9a2c1" }, { name }),
        );
        await assertNoViolations(
            policy,
            resourceArgs(policy, CONFIG, { ...config(), name: "whatever", __defaults: ["name"] }, { name }),
        );
    });

    it("does not apply to other types", async () => {
        await assertNoViolations(
            policy,
            resourceArgs(policy, "docker:index/volume:Volume", { name: "pgdata" }, { deleteBeforeReplace: true }),
        );
    });

    it("fails a config with a fixed (content-hashed) name", async () => {
        await assertViolations(
            policy,
            resourceArgs(policy, CONFIG, { ...config(), name: "api-app-0123456789" }, { name: "api-config-app" }),
            'Docker config "api-config-app" must not set a fixed name ("api-app-0123456789"): the provider would replace it delete-first, and Docker refuses to delete a config a service still uses. Leave name unset.',
        );
    });

    it("fails a secret replaced delete-first", async () => {
        await assertViolations(
            policy,
            resourceArgs(policy, SECRET, config(), { name: "db-secret-password", deleteBeforeReplace: true }),
            'Docker secret "db-secret-password" must not set deleteBeforeReplace: Docker refuses to delete a secret a service still uses, so the replacement must be created first.',
        );
    });
});
