import { dockerServiceConfigureCanonicalDurations as policy } from "../../../policies/service/dockerServiceConfigureCanonicalDurations";
import { appService, SERVICE } from "../fixtures";
import { assertMetadata, assertNoViolations, assertViolations, resourceArgs } from "../util";

/** The fixture with every duration field set, in canonical form. */
function everyDuration(): Record<string, any> {
    const svc = appService();
    svc.taskSpec.containerSpec.stopGracePeriod = "1m";
    svc.taskSpec.restartPolicy = { condition: "on-failure", delay: "5s", maxAttempts: 3, window: "2m" };
    svc.rollbackConfig = { delay: "5s", monitor: "1m40s" };
    svc.convergeConfig = { delay: "7s", timeout: "3m" };
    return svc;
}

describe("docker-service-configure-canonical-durations", () => {
    it("has the pack's metadata", () =>
        assertMetadata(policy, "docker-service-configure-canonical-durations", "mandatory"));

    it("passes a service whose every duration is canonical", async () => {
        await assertNoViolations(policy, resourceArgs(policy, SERVICE, everyDuration()));
    });

    it("passes a service without optional durations", async () => {
        const svc = appService();
        delete svc.updateConfig;
        delete svc.taskSpec.containerSpec.healthcheck;
        await assertNoViolations(policy, resourceArgs(policy, SERVICE, svc));
    });

    it("fails restartPolicy.window written in seconds", async () => {
        const svc = everyDuration();
        svc.taskSpec.restartPolicy.window = "120s";
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, svc),
            'Service "api" must write taskSpec.restartPolicy.window as "2m" (the form the docker provider reads back), got "120s"; otherwise every preview shows an update.',
        );
    });

    it("fails Go's long form and a monitor over a minute in seconds, one message each", async () => {
        const svc = everyDuration();
        svc.taskSpec.containerSpec.stopGracePeriod = "1m0s";
        svc.updateConfig.monitor = "100s";
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, svc),
            'Service "api" must write taskSpec.containerSpec.stopGracePeriod as "1m" (the form the docker provider reads back), got "1m0s"; otherwise every preview shows an update.',
            'Service "api" must write updateConfig.monitor as "1m40s" (the form the docker provider reads back), got "100s"; otherwise every preview shows an update.',
        );
    });

    it("fails a healthcheck start period and a converge timeout that are not canonical", async () => {
        const svc = everyDuration();
        svc.taskSpec.containerSpec.healthcheck.startPeriod = "60s";
        svc.convergeConfig.timeout = "180s";
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, svc),
            'Service "api" must write taskSpec.containerSpec.healthcheck.startPeriod as "1m" (the form the docker provider reads back), got "60s"; otherwise every preview shows an update.',
            'Service "api" must write convergeConfig.timeout as "3m" (the form the docker provider reads back), got "180s"; otherwise every preview shows an update.',
        );
    });

    it("fails a value that is not a duration at all", async () => {
        const svc = everyDuration();
        svc.rollbackConfig.delay = "soon";
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, svc),
            'Service "api" must write rollbackConfig.delay as a duration such as "30s" (the form the docker provider reads back), got "soon"; otherwise every preview shows an update.',
        );
    });
});
