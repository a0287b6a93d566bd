import { durationMs } from "./rules/durations";
import { ServiceProps } from "./service";

/** Docker's values when a healthcheck field is unset or zero (moby: 30s interval, 3 retries, no start period). */
export const DOCKER_HEALTHCHECK_DEFAULTS = { intervalMs: 30000, retries: 3, startPeriodMs: 0 } as const;
/** Docker's update monitor when `updateConfig.monitor` is unset. */
export const DOCKER_DEFAULT_MONITOR_MS = 5000;

/** True when the service has no healthcheck of its own (`tests` absent/empty) or disables the image's (`["NONE"]`). */
export function healthcheckDisabled(svc: ServiceProps): "missing" | "disabled" | undefined {
    const tests = svc.taskSpec?.containerSpec?.healthcheck?.tests;
    if (!Array.isArray(tests) || tests.length === 0) {
        return "missing";
    }
    return tests[0] === "NONE" ? "disabled" : undefined;
}

/** The healthcheck's effective timings, with Docker's defaults for unset or zero fields; `undefined` fields are unreadable. */
export function healthcheckTimings(svc: ServiceProps): {
    intervalMs?: number;
    retries: number;
    startPeriodMs?: number;
} {
    const hc = svc.taskSpec?.containerSpec?.healthcheck ?? {};
    const interval = hc.interval === undefined ? 0 : durationMs(hc.interval);
    const start = hc.startPeriod === undefined ? 0 : durationMs(hc.startPeriod);
    return {
        intervalMs: interval === undefined ? undefined : interval || DOCKER_HEALTHCHECK_DEFAULTS.intervalMs,
        retries: typeof hc.retries === "number" && hc.retries > 0 ? hc.retries : DOCKER_HEALTHCHECK_DEFAULTS.retries,
        startPeriodMs: start,
    };
}
