import { dockerServiceConfigureRollbackOnFailure as policy } from "../../../policies/service/dockerServiceConfigureRollbackOnFailure";
import { appService, SERVICE } from "../fixtures";
import { assertMetadata, assertNoViolations, assertViolations, resourceArgs } from "../util";

describe("docker-service-configure-rollback-on-failure", () => {
    it("has the pack's metadata", () =>
        assertMetadata(policy, "docker-service-configure-rollback-on-failure", "mandatory"));

    it("passes failureAction rollback", async () => {
        await assertNoViolations(policy, resourceArgs(policy, SERVICE, appService()));
    });

    it("fails failureAction pause", async () => {
        const svc = appService();
        svc.updateConfig.failureAction = "pause";
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, svc),
            'Service "api" must set updateConfig.failureAction to "rollback", got "pause".',
        );
    });

    it("fails a service without updateConfig (Docker pauses)", async () => {
        const svc = appService();
        delete svc.updateConfig;
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, svc),
            'Service "api" must set updateConfig.failureAction to "rollback", got none (Docker pauses).',
        );
    });
});
