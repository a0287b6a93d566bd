/**
 * The GPU placement rule: a service that uses GPUs must be constrained to nodes that have them. The stack config
 * (`gpus` on a service) and the pack's GPU placement policy (generic resources on a deployed service) both ask this
 * module whether the constraints are enough.
 */

/** The placement constraint that keeps GPU tasks on GPU nodes (nodes labelled with `gpu=true`). */
export const GPU_CONSTRAINT = "node.labels.gpu==true";

/** The generic resource kind Swarm reserves GPUs as (SwarmService `gpus`). */
export const GPU_RESOURCE_KIND = "NVIDIA-GPU";

const squash = (s: string) => s.replace(/\s+/g, "");

/** True when `constraints` contain `required` (spaces ignored: `node.labels.gpu == true` counts). */
export function hasGpuPlacement(constraints: readonly unknown[], required = GPU_CONSTRAINT): boolean {
    return constraints.some((c) => typeof c === "string" && squash(c) === squash(required));
}
