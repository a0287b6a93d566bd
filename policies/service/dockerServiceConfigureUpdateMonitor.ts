import type { ResourceValidationPolicy } from "@pulumi/policy";
import { durationMs, formatMs } from "../lib/rules/durations";
import { DOCKER_DEFAULT_MONITOR_MS, healthcheckDisabled, healthcheckTimings } from "../lib/healthcheck";
import { validateService } from "../lib/policy";

/** Checks that the update monitor window outlasts the time a new task needs to be declared unhealthy. */
export const dockerServiceConfigureUpdateMonitor: ResourceValidationPolicy = {
    name: "docker-service-configure-update-monitor",
    description:
        "Checks that every service's updateConfig.monitor is at least the healthcheck's start period + interval x retries, so a failing release is rolled back instead of reported converged.",
    enforcementLevel: "mandatory",
    severity: "medium",
    remediationSteps:
        "Set `updateConfig.monitor` to at least startPeriod + interval x retries of the healthcheck (SwarmService computes it with updateMonitorFor).",
    validateResource: validateService((svc, name, _args, report) => {
        if (healthcheckDisabled(svc)) {
            // Without a healthcheck there is nothing to wait for; docker-service-require-healthcheck reports it.
            return;
        }
        const { intervalMs, retries, startPeriodMs } = healthcheckTimings(svc);
        if (intervalMs === undefined || startPeriodMs === undefined) {
            return;
        }
        const needed = startPeriodMs + intervalMs * retries;
        const raw = svc.updateConfig?.monitor;
        const monitor = raw === undefined ? DOCKER_DEFAULT_MONITOR_MS : durationMs(raw);
        if (monitor === undefined || monitor < needed) {
            report(
                `Service "${name}" must set updateConfig.monitor to at least ${formatMs(needed)} (start period ${formatMs(startPeriodMs)} + interval ${formatMs(intervalMs)} x ${retries} retries), got ${raw === undefined ? `none (Docker uses ${formatMs(DOCKER_DEFAULT_MONITOR_MS)})` : JSON.stringify(raw)}.`,
            );
        }
    }),
};
