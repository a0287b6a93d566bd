import type { ResourceValidationPolicy } from "@pulumi/policy";
import { validateService } from "../lib/policy";
import { formatBytes } from "../lib/sizes";

const positive = (v: unknown): v is number => typeof v === "number" && v > 0;

/** Checks that every service has CPU and memory limits and reservations, with reservations inside the limits. */
export const dockerServiceRequireResourceLimits: ResourceValidationPolicy = {
    name: "docker-service-require-resource-limits",
    description:
        "Checks that every service sets CPU and memory limits and reservations, and reserves no more than its limits.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Give the SwarmService `resources` from a tier (high, medium, low) or custom numbers; they become taskSpec.resources.limits and .reservation (nanoCpus, memoryBytes).",
    validateResource: validateService((svc, name, _args, report) => {
        const limits = svc.taskSpec?.resources?.limits;
        const reservation = svc.taskSpec?.resources?.reservation;
        const missing = [
            ["limits.nanoCpus", limits?.nanoCpus],
            ["limits.memoryBytes", limits?.memoryBytes],
            ["reservation.nanoCpus", reservation?.nanoCpus],
            ["reservation.memoryBytes", reservation?.memoryBytes],
        ]
            .filter(([, v]) => !positive(v))
            .map(([k]) => k);
        if (missing.length > 0) {
            report(
                `Service "${name}" must set CPU and memory limits and reservations; missing taskSpec.resources.${missing.join(", ")}.`,
            );
            return;
        }
        if (reservation!.nanoCpus! > limits!.nanoCpus!) {
            report(
                `Service "${name}" must reserve no more CPU than its limit (reservation ${reservation!.nanoCpus! / 1e9} > limit ${limits!.nanoCpus! / 1e9} CPUs).`,
            );
        }
        if (reservation!.memoryBytes! > limits!.memoryBytes!) {
            report(
                `Service "${name}" must reserve no more memory than its limit (reservation ${formatBytes(reservation!.memoryBytes!)} > limit ${formatBytes(limits!.memoryBytes!)}).`,
            );
        }
    }),
};
