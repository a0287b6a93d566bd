import type { StackValidationPolicy } from "@pulumi/policy";
import { parseImage, ServiceProps, serviceLabels, serviceName } from "../lib/service";
import { IMAGE, RUNTIME_LABEL, SERVICE } from "../lib/types";

/** Checks that runtime services run images this stack builds, not an image pulled from elsewhere. */
export const dockerStackRequireBuiltRuntimeImages: StackValidationPolicy = {
    name: "docker-stack-require-built-runtime-images",
    description: "Checks that every service labelled sophia.runtime runs an image built by a docker.Image resource of the same stack (its repoDigest).",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: "Build the runtime with docker.Image in the program and pass `image.repoDigest` as the SwarmService image.",
    validateStack: (args, report) => {
        const built = args.resources.filter((r) => r.type === IMAGE);
        const digests = new Set(built.map((r) => r.props.repoDigest).filter((v): v is string => typeof v === "string"));
        const repos = new Set(built.flatMap((r) => [r.props.repoDigest, r.props.imageName])
            .filter((v): v is string => typeof v === "string")
            .map((v) => parseImage(v).repository));
        for (const svc of args.resources.filter((r) => r.type === SERVICE)) {
            const props = svc.props as ServiceProps;
            if (serviceLabels(props)[RUNTIME_LABEL] === undefined) {
                continue;
            }
            const image = props.taskSpec?.containerSpec?.image;
            if (typeof image !== "string" || !(digests.has(image) || repos.has(parseImage(image).repository))) {
                report(`Runtime service "${serviceName(props, svc.name)}" must run an image built by this stack's docker.Image resources, got ${JSON.stringify(image ?? null)}.`, svc.urn);
            }
        }
    },
};
