import type { ResourceValidationPolicy } from "@pulumi/policy";
import { validateService } from "../lib/policy";
import { hasDigest, parseImage } from "../lib/service";

/** Checks that service images are pinned, so a redeploy runs the image that was reviewed. */
export const dockerServiceDisallowUnpinnedImages: ResourceValidationPolicy = {
    name: "docker-service-disallow-unpinned-images",
    description:
        "Checks that every service image is pinned to an explicit version tag or a sha256 digest (never `latest` or untagged).",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Reference the image with a version tag (redis:7.4.1-alpine) or a digest (repo@sha256:...); for images the program builds, use the docker.Image's repoDigest.",
    validateResource: validateService((svc, name, _args, report) => {
        const image = svc.taskSpec?.containerSpec?.image;
        if (typeof image !== "string" || image === "") {
            report(`Service "${name}" must set an image pinned to a version tag or digest.`);
            return;
        }
        const ref = parseImage(image);
        if (hasDigest(ref)) {
            return;
        }
        if (ref.tag === undefined || ref.tag === "" || ref.tag === "latest") {
            report(`Service "${name}" must pin its image to a version tag or digest, got "${image}".`);
        }
    }),
};
