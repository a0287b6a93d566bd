import type { ResourceValidationPolicy } from "@pulumi/policy";
import { configWithDefaults } from "../lib/config";
import { validateService } from "../lib/policy";
import { GPU_CONSTRAINT, GPU_RESOURCE_KIND, hasGpuPlacement } from "../lib/rules/gpuPlacement";

interface Config {
    gpuResourceKinds: string[];
    requiredConstraint: string;
}

const configSchema = {
    properties: {
        gpuResourceKinds: {
            type: "array" as const,
            items: { type: "string" as const },
            default: [GPU_RESOURCE_KIND],
            description: "Generic resource kinds that are GPUs.",
        },
        requiredConstraint: {
            type: "string" as const,
            default: GPU_CONSTRAINT,
            description: "Placement constraint that keeps GPU tasks on GPU nodes.",
        },
    },
};

/** Checks that a service reserving GPUs is placed only on nodes that have them. */
export const dockerServiceRequireGpuPlacement: ResourceValidationPolicy = {
    name: "docker-service-require-gpu-placement",
    description:
        "Checks that every service reserving GPUs (generic resources such as NVIDIA-GPU=1) has the GPU node placement constraint.",
    enforcementLevel: "mandatory",
    severity: "medium",
    remediationSteps:
        "Add the placement constraint `node.labels.gpu==true` (SwarmService `constraints`) and label the GPU nodes with `docker node update --label-add gpu=true <node>`.",
    configSchema,
    validateResource: validateService((svc, name, args, report) => {
        const cfg = configWithDefaults<Config>(configSchema, args.getConfig());
        const generic = svc.taskSpec?.resources?.reservation?.genericResources;
        const specs = [...(generic?.discreteResourcesSpecs ?? []), ...(generic?.namedResourcesSpecs ?? [])];
        const gpus = specs.filter((s) => typeof s === "string" && cfg.gpuResourceKinds.includes(s.split("=")[0]));
        if (gpus.length === 0) {
            return;
        }
        if (!hasGpuPlacement(svc.taskSpec?.placement?.constraints ?? [], cfg.requiredConstraint)) {
            report(
                `Service "${name}" reserves GPUs (${gpus.join(", ")}) and must be constrained to GPU nodes with "${cfg.requiredConstraint}".`,
            );
        }
    }),
};
