import { expect } from "chai";
import { updateMonitorFor } from "../../../components/swarmService";
import { dockerServiceConfigureUpdateMonitor as policy } from "../../../policies/service/dockerServiceConfigureUpdateMonitor";
import { appService, SERVICE } from "../fixtures";
import { assertMetadata, assertNoViolations, assertViolations, resourceArgs, runResourcePolicy } from "../util";

describe("docker-service-configure-update-monitor", () => {
    it("has the pack's metadata", () => assertMetadata(policy, "docker-service-configure-update-monitor", "mandatory"));

    it("passes a monitor equal to start period + interval x retries (40s + 20s x 3)", async () => {
        await assertNoViolations(policy, resourceArgs(policy, SERVICE, appService()));
    });

    it("passes the monitor SwarmService computes", async () => {
        const svc = appService();
        svc.updateConfig.monitor = updateMonitorFor({
            test: ["CMD", "true"],
            interval: "20s",
            retries: 3,
            startPeriod: "40s",
        });
        expect(await runResourcePolicy(policy, resourceArgs(policy, SERVICE, svc))).to.deep.equal([]);
    });

    it("fails a monitor shorter than the time to declare a task unhealthy", async () => {
        const svc = appService();
        svc.updateConfig.monitor = "30s";
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, svc),
            'Service "api" must set updateConfig.monitor to at least 100s (start period 40s + interval 20s x 3 retries), got "30s".',
        );
    });

    it("fails a missing monitor (Docker's 5s) using Docker's healthcheck defaults for unset fields", async () => {
        const svc = appService();
        delete svc.updateConfig.monitor;
        svc.taskSpec.containerSpec.healthcheck = { tests: ["CMD", "true"], startPeriod: "1m" };
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, svc),
            'Service "api" must set updateConfig.monitor to at least 150s (start period 60s + interval 30s x 3 retries), got none (Docker uses 5s).',
        );
    });

    it("skips services without a healthcheck (reported by docker-service-require-healthcheck)", async () => {
        const svc = appService();
        svc.taskSpec.containerSpec.healthcheck = { tests: ["NONE"] };
        svc.updateConfig.monitor = "5s";
        await assertNoViolations(policy, resourceArgs(policy, SERVICE, svc));
    });
});
