import { dockerServiceDisallowIgnoredSpreadPrefs as policy } from "../../../policies/service/dockerServiceDisallowIgnoredSpreadPrefs";
import { appService, SERVICE } from "../fixtures";
import { assertMetadata, assertNoViolations, assertViolations, resourceArgs } from "../util";

const withPrefs = (prefs: string[] | undefined) => {
    const svc = appService();
    svc.taskSpec.placement = { constraints: ["node.role==worker"], prefs };
    return svc;
};

describe("docker-service-disallow-ignored-spread-prefs", () => {
    it("has the pack's metadata", () =>
        assertMetadata(policy, "docker-service-disallow-ignored-spread-prefs", "mandatory"));

    it("passes node and engine label descriptors, and no prefs at all", async () => {
        await assertNoViolations(
            policy,
            resourceArgs(policy, SERVICE, withPrefs(["node.labels.zone", "engine.labels.rack"])),
        );
        await assertNoViolations(policy, resourceArgs(policy, SERVICE, withPrefs(undefined)));
    });

    it("fails the CLI's spread= form, which the provider passes through verbatim", async () => {
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, withPrefs(["spread=node.labels.zone"])),
            'Service "api" has placement preference "spread=node.labels.zone", which Swarm ignores: write it as a descriptor starting with node.labels. or engine.labels. (no "spread=" prefix).',
        );
    });

    it("fails a descriptor Swarm has no way to spread over", async () => {
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, withPrefs(["node.role"])),
            'Service "api" has placement preference "node.role", which Swarm ignores: write it as a descriptor starting with node.labels. or engine.labels. (no "spread=" prefix).',
        );
    });
});
