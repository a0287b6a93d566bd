import type { StackValidationPolicy } from "@pulumi/policy";
import { ServiceProps, serviceLabels, serviceName } from "../lib/service";
import { IMAGE, RUNTIME_LABEL, SERVICE } from "../lib/types";

/** Checks that runtime services run images this stack builds, not an image pulled from elsewhere. */
export const dockerStackRequireBuiltRuntimeImages: StackValidationPolicy = {
    name: "docker-stack-require-built-runtime-images",
    description:
        "Checks that every service labelled sophia.runtime runs exactly the repoDigest of a docker.Image resource built by the same stack.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Build the runtime with docker.Image in the program and pass `image.repoDigest` as the SwarmService image.",
    validateStack: (args, report) => {
        // Exactly the digest a build of this stack produced: the same repository at another digest is an old or foreign build.
        const digests = new Set(
            args.resources
                .filter((r) => r.type === IMAGE)
                .map((r) => r.props.repoDigest)
                .filter((v): v is string => typeof v === "string" && v !== ""),
        );
        for (const svc of args.resources.filter((r) => r.type === SERVICE)) {
            const props = svc.props as ServiceProps;
            if (serviceLabels(props)[RUNTIME_LABEL] === undefined) {
                continue;
            }
            const image = props.taskSpec?.containerSpec?.image;
            if (typeof image !== "string" || !digests.has(image)) {
                report(
                    `Runtime service "${serviceName(props, svc.name)}" must run an image built by this stack's docker.Image resources, got ${JSON.stringify(image ?? null)}.`,
                    svc.urn,
                );
            }
        }
    },
};
