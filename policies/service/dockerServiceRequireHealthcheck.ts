import type { ResourceValidationPolicy } from "@pulumi/policy";
import { configWithDefaults } from "../lib/config";
import { healthcheckDisabled, healthcheckTimings } from "../lib/healthcheck";
import { validateService } from "../lib/policy";

interface Config {
    allowedWithoutHealthcheck: string[];
}

const configSchema = {
    properties: {
        allowedWithoutHealthcheck: {
            type: "array" as const,
            items: { type: "string" as const },
            default: [] as string[],
            description:
                "Docker service names that may run without a healthcheck (e.g. a distroless exporter with no shell).",
        },
    },
};

/** Checks that every service has a healthcheck with a start period, so Swarm can tell a broken task from a slow one. */
export const dockerServiceRequireHealthcheck: ResourceValidationPolicy = {
    name: "docker-service-require-healthcheck",
    description:
        "Checks that every service defines a healthcheck (not disabled with NONE) with a start period above 0s, unless listed in allowedWithoutHealthcheck.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        'Give the SwarmService a `healthcheck` that tests the process itself (e.g. ["CMD", "redis-cli", "ping"]) with a `startPeriod` long enough for it to start; only if the image cannot run any check, list the service in this policy\'s allowedWithoutHealthcheck.',
    configSchema,
    validateResource: validateService((svc, name, args, report) => {
        const { allowedWithoutHealthcheck } = configWithDefaults<Config>(configSchema, args.getConfig());
        if (allowedWithoutHealthcheck.includes(name)) {
            return;
        }
        const off = healthcheckDisabled(svc);
        if (off === "missing") {
            report(`Service "${name}" must define a healthcheck (taskSpec.containerSpec.healthcheck.tests).`);
            return;
        }
        if (off === "disabled") {
            report(
                `Service "${name}" must not disable its healthcheck (tests: ["NONE"]) unless it is listed in allowedWithoutHealthcheck.`,
            );
            return;
        }
        const { startPeriodMs } = healthcheckTimings(svc);
        if (startPeriodMs === undefined) {
            report(
                `Service "${name}" must set a readable healthcheck start period such as "40s", got ${JSON.stringify(svc.taskSpec?.containerSpec?.healthcheck?.startPeriod)}.`,
            );
        } else if (startPeriodMs <= 0) {
            report(`Service "${name}" must set a healthcheck start period above 0s.`);
        }
    }),
};
