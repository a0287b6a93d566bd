import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { ServiceProps, serviceName } from "../lib/service";
import { NETWORK, SERVICE } from "../lib/types";

/** Ids and names by which a service may reference a network. */
function networkKeys(net: PolicyResource): string[] {
    return [net.props.id, net.props.name].filter((v): v is string => typeof v === "string" && v !== "");
}

/** Checks that every service joins at least one overlay network declared in the same stack. */
export const dockerStackRequireOverlayAttachment: StackValidationPolicy = {
    name: "docker-stack-require-overlay-attachment",
    description: "Checks that every service is attached to at least one overlay network declared in the stack.",
    enforcementLevel: "mandatory",
    severity: "medium",
    remediationSteps:
        "Pass the stack's OverlayNetwork ids to the SwarmService `networks` (taskSpec.networksAdvanceds: [{ id }]); do not rely on the default ingress network or networks created outside the stack.",
    validateStack: (args, report) => {
        const overlays = args.resources.filter((r) => r.type === NETWORK && r.props.driver === "overlay");
        const keys = new Set(overlays.flatMap(networkKeys));
        for (const svc of args.resources.filter((r) => r.type === SERVICE)) {
            const props = svc.props as ServiceProps;
            let refs: string[] | undefined;
            try {
                refs = (props.taskSpec?.networksAdvanceds ?? [])
                    .flatMap((n) => [n?.id, n?.name])
                    .filter((v): v is string => typeof v === "string");
            } catch (e) {
                // During a preview the ids of networks still to be created are unknown (the engine throws on access).
                // (@pulumi/policy's UnknownValueError; matched by message so the pack's modules stay free of runtime imports)
                if (!(e instanceof Error && e.message.includes("can't be known during preview"))) {
                    throw e;
                }
            }
            // The service's dependency on a stack overlay through its taskSpec proves the reference when ids are unknown.
            const viaDependency = (svc.propertyDependencies?.taskSpec ?? []).some((d) => overlays.includes(d));
            const attached =
                refs === undefined
                    ? viaDependency
                    : refs.some((r) => keys.has(r)) || (refs.length > 0 && viaDependency);
            if (!attached) {
                report(
                    `Service "${serviceName(props, svc.name)}" must be attached to an overlay network of the stack.`,
                    svc.urn,
                );
            }
        }
    },
};
