import { expect } from "chai";
import { dockerServiceMatchTierResources as policy } from "../../../policies/service/dockerServiceMatchTierResources";
import { DEFAULT_TIERS } from "../../../components/tiers";
import { appService, SERVICE } from "../fixtures";
import { assertMetadata, assertNoViolations, assertViolations, resourceArgs, runResourcePolicy } from "../util";

const GiB = 1024 ** 3;

describe("docker-service-match-tier-resources", () => {
    it("has the pack's metadata", () => assertMetadata(policy, "docker-service-match-tier-resources", "mandatory"));

    it("defaults its tier table to components/tiers.ts", () => {
        expect((policy.configSchema!.properties.tiers as any).default).to.equal(DEFAULT_TIERS);
    });

    it("passes a medium service with the medium tier's numbers", async () => {
        await assertNoViolations(policy, resourceArgs(policy, SERVICE, appService()));
    });

    it("passes a custom service whatever its numbers", async () => {
        const svc = appService();
        svc.labels = [{ label: "sophia.tier", value: "custom" }];
        svc.taskSpec.resources.limits.memoryBytes = 7 * GiB;
        await assertNoViolations(policy, resourceArgs(policy, SERVICE, svc));
    });

    it("fails a service whose limits differ from its tier", async () => {
        const svc = appService();
        svc.taskSpec.resources.limits.memoryBytes = 4 * GiB;
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, svc),
            'Service "api" must match tier "medium" (limits 1 CPUs/2GiB, reservations 0.5 CPUs/1GiB), got limits 1 CPUs/4GiB, reservations 0.5 CPUs/1GiB.',
        );
    });

    it("fails a service labelled high that runs medium numbers", async () => {
        const svc = appService();
        svc.labels[1].value = "high";
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, svc),
            'Service "api" must match tier "high" (limits 2 CPUs/4GiB, reservations 1 CPUs/2GiB), got limits 1 CPUs/2GiB, reservations 0.5 CPUs/1GiB.',
        );
    });

    it("fails a service without a tier label", async () => {
        const svc = appService();
        svc.labels = [];
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, svc),
            'Service "api" must carry a sophia.tier label (high, medium, low, custom).',
        );
    });

    it("fails an unknown tier", async () => {
        const svc = appService();
        svc.labels[1].value = "huge";
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, svc),
            'Service "api" must use a known tier in its sophia.tier label (high, medium, low, custom), got "huge".',
        );
    });

    it("uses a stack's tier overrides from config, keeping the other tiers standard", async () => {
        const config = {
            tiers: {
                medium: { limits: { cpus: 0.5, memory: "512MiB" }, reservations: { cpus: 0.05, memory: "128MiB" } },
            },
        };
        const svc = appService();
        svc.taskSpec.resources = {
            limits: { nanoCpus: 5e8, memoryBytes: 512 * 1024 ** 2 },
            reservation: { nanoCpus: 5e7, memoryBytes: 128 * 1024 ** 2 },
        };
        await assertNoViolations(policy, resourceArgs(policy, SERVICE, svc, { config }));
        // The standard medium numbers no longer match once the stack overrides the tier.
        expect(await runResourcePolicy(policy, resourceArgs(policy, SERVICE, appService(), { config }))).to.have.length(
            1,
        );
        const high = appService();
        high.labels[1].value = "high";
        high.taskSpec.resources = {
            limits: { nanoCpus: 2e9, memoryBytes: 4 * GiB },
            reservation: { nanoCpus: 1e9, memoryBytes: 2 * GiB },
        };
        await assertNoViolations(policy, resourceArgs(policy, SERVICE, high, { config }));
    });

    it("rejects an unreadable tier override, naming the config key", async () => {
        const config = {
            tiers: { medium: { limits: { cpus: 1, memory: "lots" }, reservations: { cpus: 0.5, memory: "1GiB" } } },
        };
        let error: Error | undefined;
        try {
            await runResourcePolicy(policy, resourceArgs(policy, SERVICE, appService(), { config }));
        } catch (e) {
            error = e as Error;
        }
        expect(error?.message).to.equal(
            '`docker-service-match-tier-resources.tiers.medium.limits.memory` must be a size such as "512MiB" or "4GiB", got "lots".',
        );
    });
});
