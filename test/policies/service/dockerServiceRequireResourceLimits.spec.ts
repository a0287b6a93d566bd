import { dockerServiceRequireResourceLimits as policy } from "../../../policies/service/dockerServiceRequireResourceLimits";
import { appService, SERVICE } from "../fixtures";
import { assertMetadata, assertNoViolations, assertViolations, resourceArgs } from "../util";

describe("docker-service-require-resource-limits", () => {
    it("has the pack's metadata", () => assertMetadata(policy, "docker-service-require-resource-limits", "mandatory"));

    it("passes a service with limits and reservations", async () => {
        await assertNoViolations(policy, resourceArgs(policy, SERVICE, appService()));
    });

    it("fails a service without any resources, listing every missing field", async () => {
        const svc = appService();
        delete svc.taskSpec.resources;
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, svc),
            'Service "api" must set CPU and memory limits and reservations; missing taskSpec.resources.limits.nanoCpus, limits.memoryBytes, reservation.nanoCpus, reservation.memoryBytes.',
        );
    });

    it("fails a service with a memory limit but no CPU limit", async () => {
        const svc = appService();
        delete svc.taskSpec.resources.limits.nanoCpus;
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, svc),
            'Service "api" must set CPU and memory limits and reservations; missing taskSpec.resources.limits.nanoCpus.',
        );
    });

    it("fails a service without reservations", async () => {
        const svc = appService();
        delete svc.taskSpec.resources.reservation;
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, svc),
            'Service "api" must set CPU and memory limits and reservations; missing taskSpec.resources.reservation.nanoCpus, reservation.memoryBytes.',
        );
    });

    it("fails a CPU reservation above the limit", async () => {
        const svc = appService();
        svc.taskSpec.resources.reservation.nanoCpus = 2e9;
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, svc),
            'Service "api" must reserve no more CPU than its limit (reservation 2 > limit 1 CPUs).',
        );
    });

    it("fails a memory reservation above the limit", async () => {
        const svc = appService();
        svc.taskSpec.resources.reservation.memoryBytes = 4 * 1024 ** 3;
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, svc),
            'Service "api" must reserve no more memory than its limit (reservation 4GiB > limit 2GiB).',
        );
    });

    it("names the resource when the service has no Docker name", async () => {
        const svc = appService();
        delete svc.name;
        delete svc.taskSpec.resources;
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, svc, { name: "worker-service" }),
            'Service "worker-service" must set CPU and memory limits and reservations; missing taskSpec.resources.limits.nanoCpus, limits.memoryBytes, reservation.nanoCpus, reservation.memoryBytes.',
        );
    });
});
