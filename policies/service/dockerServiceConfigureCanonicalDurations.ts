import type { ResourceValidationPolicy } from "@pulumi/policy";
import { canonicalDuration, isCanonicalDuration } from "../lib/rules/durations";
import { validateService } from "../lib/policy";
import { ServiceProps } from "../lib/service";

/** Every duration a service sends, by its input path. */
export function serviceDurations(svc: ServiceProps): [string, unknown][] {
    const cs = svc.taskSpec?.containerSpec;
    const hc = cs?.healthcheck;
    const rp = svc.taskSpec?.restartPolicy;
    return [
        ["taskSpec.containerSpec.healthcheck.interval", hc?.interval],
        ["taskSpec.containerSpec.healthcheck.timeout", hc?.timeout],
        ["taskSpec.containerSpec.healthcheck.startPeriod", hc?.startPeriod],
        ["taskSpec.containerSpec.stopGracePeriod", cs?.stopGracePeriod],
        ["taskSpec.restartPolicy.delay", rp?.delay],
        ["taskSpec.restartPolicy.window", rp?.window],
        ["updateConfig.delay", svc.updateConfig?.delay],
        ["updateConfig.monitor", svc.updateConfig?.monitor],
        ["rollbackConfig.delay", svc.rollbackConfig?.delay],
        ["rollbackConfig.monitor", svc.rollbackConfig?.monitor],
        ["convergeConfig.delay", svc.convergeConfig?.delay],
        ["convergeConfig.timeout", svc.convergeConfig?.timeout],
    ];
}

/**
 * Checks that durations are spelled the way the docker provider reads them back (Go's Duration.String() without a
 * trailing "0s"/"0m": "2m", "1m40s"); any other spelling ("120s") shows as an update of the service on every preview.
 */
export const dockerServiceConfigureCanonicalDurations: ResourceValidationPolicy = {
    name: "docker-service-configure-canonical-durations",
    description:
        'Checks that every duration of a service is written in the canonical form the docker provider reads back ("2m", "1m40s", "30s"), so a second `pulumi up` changes nothing.',
    enforcementLevel: "mandatory",
    severity: "medium",
    remediationSteps:
        'Pass every duration through canonicalDuration() (components/duration.ts), or write it as Go prints it: minutes and hours as "2m", "1h30m", never "120s".',
    validateResource: validateService((svc, name, _args, report) => {
        for (const [path, value] of serviceDurations(svc)) {
            if (value === undefined || isCanonicalDuration(value)) {
                continue;
            }
            let expected: string;
            try {
                expected = `"${canonicalDuration(String(value))}"`;
            } catch {
                expected = 'a duration such as "30s"';
            }
            report(
                `Service "${name}" must write ${path} as ${expected} (the form the docker provider reads back), got ${JSON.stringify(value)}; otherwise every preview shows an update.`,
            );
        }
    }),
};
