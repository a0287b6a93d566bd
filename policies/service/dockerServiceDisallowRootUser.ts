import type { ResourceValidationPolicy } from "@pulumi/policy";
import { configWithDefaults } from "../lib/config";
import { imageRepository, isRootUser } from "../lib/hardening";
import { validateService } from "../lib/policy";

interface Config {
    rootImages: string[];
}

const configSchema = {
    properties: {
        rootImages: {
            type: "array" as const,
            items: { type: "string" as const },
            default: [] as string[],
            description:
                'Image repositories (no tag) that need root, e.g. "gcr.io/cadvisor/cadvisor" (it reads the Docker socket and every container\'s /proc).',
        },
    },
};

/**
 * Checks CIS Docker Benchmark 4.1: a container runs as an explicit non-root user. An unset `user` means the image's
 * default, which the plan cannot see and is root for many images, so it counts as root.
 */
export const dockerServiceDisallowRootUser: ResourceValidationPolicy = {
    name: "docker-service-disallow-root-user",
    description:
        "Checks that every service sets an explicit non-root user, unless its image is listed in rootImages (CIS Docker Benchmark 4.1).",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Set SwarmService's `user` to the image's unprivileged user as uid:gid (e.g. \"999:999\" for the official postgres and redis images) and make its volumes and secret files belong to it; only for an image that cannot run otherwise, list its repository in this policy's rootImages.",
    configSchema,
    validateResource: validateService((svc, name, args, report) => {
        const { rootImages } = configWithDefaults<Config>(configSchema, args.getConfig());
        const cs = svc.taskSpec?.containerSpec;
        const image = imageRepository(cs?.image);
        if (rootImages.includes(image)) {
            return;
        }
        const user = typeof cs?.user === "string" ? cs.user.trim() : "";
        if (user === "") {
            report(
                `Service "${name}" must set an explicit non-root user (taskSpec.containerSpec.user); unset, it runs as its image's default user, which may be root.`,
            );
        } else if (isRootUser(user)) {
            report(
                `Service "${name}" must not run as root (user "${user}") unless its image "${image}" is listed in rootImages.`,
            );
        }
    }),
};
