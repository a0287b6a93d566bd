import { dockerServiceRequireHealthcheck as policy } from "../../../policies/service/dockerServiceRequireHealthcheck";
import { appService, SERVICE } from "../fixtures";
import { assertMetadata, assertNoViolations, assertViolations, resourceArgs } from "../util";

describe("docker-service-require-healthcheck", () => {
    it("has the pack's metadata", () => assertMetadata(policy, "docker-service-require-healthcheck", "mandatory"));

    it("passes a service with a healthcheck and a start period", async () => {
        await assertNoViolations(policy, resourceArgs(policy, SERVICE, appService()));
    });

    it("fails a service without a healthcheck", async () => {
        const svc = appService();
        delete svc.taskSpec.containerSpec.healthcheck;
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, svc),
            'Service "api" must define a healthcheck (taskSpec.containerSpec.healthcheck.tests).',
        );
    });

    it("fails a disabled healthcheck", async () => {
        const svc = appService();
        svc.taskSpec.containerSpec.healthcheck = { tests: ["NONE"] };
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, svc),
            'Service "api" must not disable its healthcheck (tests: ["NONE"]) unless it is listed in allowedWithoutHealthcheck.',
        );
    });

    it("fails a healthcheck without a start period", async () => {
        const svc = appService();
        delete svc.taskSpec.containerSpec.healthcheck.startPeriod;
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, svc),
            'Service "api" must set a healthcheck start period above 0s.',
        );
    });

    it("fails an unreadable start period", async () => {
        const svc = appService();
        svc.taskSpec.containerSpec.healthcheck.startPeriod = "soon";
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, svc),
            'Service "api" must set a readable healthcheck start period such as "40s", got "soon".',
        );
    });

    it("lets config allow a service without a healthcheck", async () => {
        const svc = appService();
        svc.taskSpec.containerSpec.healthcheck = { tests: ["NONE"] };
        await assertNoViolations(
            policy,
            resourceArgs(policy, SERVICE, svc, { config: { allowedWithoutHealthcheck: ["api"] } }),
        );
    });
});
