import type { ResourceValidationPolicy } from "@pulumi/policy";
import { validateTypes } from "../lib/policy";
import { SWARM_OBJECT_TYPES } from "../lib/types";

interface SwarmObjectProps {
    name?: string;
    __defaults?: string[];
}

/** True when `name` is one the provider chose (autonamed: listed in `__defaults`, or `<resource name>-<7 hex>`). */
function autonamed(props: SwarmObjectProps, resourceName: string): boolean {
    if (props.name === undefined || props.name === "") {
        return true;
    }
    if (Array.isArray(props.__defaults) && props.__defaults.includes("name")) {
        return true;
    }
    return new RegExp(`^${resourceName.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-[0-9a-f]{7}$`).test(props.name);
}

/**
 * Checks that Docker configs and secrets are replaced create-first. Their data is immutable, so a content change
 * replaces them; with a fixed name the bridged provider replaces delete-first, and Docker refuses to delete an object a
 * service still uses ("in use by the following service"), so the first content change makes `up` fail.
 */
export const dockerSwarmObjectDisallowFixedNames: ResourceValidationPolicy = {
    name: "docker-swarm-object-disallow-fixed-names",
    description:
        "Checks that every Docker config and secret is autonamed and not delete-before-replace, so a content change creates the new object before deleting the one in use.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Leave `name` unset on docker.ServiceConfig/docker.Secret (createRotatingConfig/createRotatingSecret) and do not set deleteBeforeReplace; mount it under a fixed `fileName` so the application never sees the object's name.",
    validateResource: validateTypes<SwarmObjectProps>(SWARM_OBJECT_TYPES, (props, args, report) => {
        const kind = args.type.endsWith(":Secret") ? "secret" : "config";
        if (!autonamed(props, args.name)) {
            report(
                `Docker ${kind} "${args.name}" must not set a fixed name (${JSON.stringify(props.name)}): the provider would replace it delete-first, and Docker refuses to delete a ${kind} a service still uses. Leave name unset.`,
            );
        }
        if (args.opts?.deleteBeforeReplace === true) {
            report(
                `Docker ${kind} "${args.name}" must not set deleteBeforeReplace: Docker refuses to delete a ${kind} a service still uses, so the replacement must be created first.`,
            );
        }
    }),
};
