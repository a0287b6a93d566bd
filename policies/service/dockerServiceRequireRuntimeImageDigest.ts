import type { ResourceValidationPolicy } from "@pulumi/policy";
import { validateService } from "../lib/policy";
import { hasDigest, isImageId, parseImage, serviceLabels } from "../lib/service";
import { RUNTIME_LABEL } from "../lib/types";

/** Checks that the platform's own runtime services run the image the program built, by digest. */
export const dockerServiceRequireRuntimeImageDigest: ResourceValidationPolicy = {
    name: "docker-service-require-runtime-image-digest",
    description:
        "Checks that services labelled sophia.runtime run an image referenced by sha256 digest or local image id (the repoDigest of the program's own docker.Image build).",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Build the runtime image with docker.Image in the program and pass its `repoDigest` output as the service image, so each build rolls out exactly what was built.",
    validateResource: validateService((svc, name, _args, report) => {
        if (serviceLabels(svc)[RUNTIME_LABEL] === undefined) {
            return;
        }
        const image = svc.taskSpec?.containerSpec?.image;
        // A local image id (unpushed dev builds) is as content-addressed as repo@sha256.
        if (typeof image !== "string" || !(hasDigest(parseImage(image)) || isImageId(image))) {
            report(
                `Runtime service "${name}" must run the image built by the program, referenced by digest (repo@sha256:...), got ${JSON.stringify(image ?? null)}.`,
            );
        }
    }),
};
