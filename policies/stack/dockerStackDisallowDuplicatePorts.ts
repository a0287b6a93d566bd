import type { StackValidationPolicy } from "@pulumi/policy";
import { ServiceProps, serviceName } from "../lib/service";
import { SERVICE } from "../lib/types";

/** Checks that a published port belongs to exactly one service (Swarm rejects the second one at deploy time). */
export const dockerStackDisallowDuplicatePorts: StackValidationPolicy = {
    name: "docker-stack-disallow-duplicate-ports",
    description: "Checks that no two services publish the same port and protocol.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Give each service its own published port, or route both through one edge proxy that publishes the port once.",
    validateStack: (args, report) => {
        const owners = new Map<string, string>();
        for (const svc of args.resources.filter((r) => r.type === SERVICE)) {
            const props = svc.props as ServiceProps;
            const name = serviceName(props, svc.name);
            const seenHere = new Set<string>();
            for (const port of props.endpointSpec?.ports ?? []) {
                if (typeof port?.publishedPort !== "number" || port.publishedPort === 0) {
                    continue;
                }
                const key = `${port.publishedPort}/${port.protocol ?? "tcp"}`;
                if (seenHere.has(key)) {
                    continue;
                }
                seenHere.add(key);
                const owner = owners.get(key);
                if (owner !== undefined) {
                    report(
                        `Service "${name}" must not publish port ${key}: service "${owner}" already publishes it.`,
                        svc.urn,
                    );
                } else {
                    owners.set(key, name);
                }
            }
        }
    },
};
