import type { ResourceValidationPolicy } from "@pulumi/policy";
import { configWithDefaults } from "../lib/config";
import { validateService } from "../lib/policy";

interface Config {
    allowedServices: string[];
}

const configSchema = {
    properties: {
        allowedServices: {
            type: "array" as const,
            items: { type: "string" as const },
            default: [] as string[],
            description: 'Services allowed to publish ports: "name" allows any port, "name:port" one port.',
        },
    },
};

/** Flags published ports on services that are not meant to be reachable from outside the swarm. */
export const dockerServiceRestrictPublishedPorts: ResourceValidationPolicy = {
    name: "docker-service-restrict-published-ports",
    description: "Checks that only services listed in allowedServices publish ports on the nodes.",
    enforcementLevel: "advisory",
    severity: "medium",
    remediationSteps:
        'Reach the service over its overlay network instead of a published port, or add it ("name" or "name:port") to this policy\'s allowedServices in the stack\'s policy config.',
    configSchema,
    validateResource: validateService((svc, name, args, report) => {
        const { allowedServices } = configWithDefaults<Config>(configSchema, args.getConfig());
        if (allowedServices.includes(name)) {
            return;
        }
        for (const port of svc.endpointSpec?.ports ?? []) {
            const published = port?.publishedPort;
            if (published === undefined || published === 0 || allowedServices.includes(`${name}:${published}`)) {
                continue;
            }
            report(
                `Service "${name}" publishes port ${published}, but only services listed in allowedServices may publish ports.`,
            );
        }
    }),
};
