import { dockerServiceRequireGpuPlacement as policy } from "../../../policies/service/dockerServiceRequireGpuPlacement";
import { appService, SERVICE } from "../fixtures";
import { assertMetadata, assertNoViolations, assertViolations, resourceArgs } from "../util";

const gpuService = (constraints: string[] | undefined) => {
    const svc = appService();
    svc.name = "snowflake-cortex";
    svc.taskSpec.resources.reservation.genericResources = { discreteResourcesSpecs: ["NVIDIA-GPU=1"] };
    svc.taskSpec.placement = constraints ? { constraints } : undefined;
    return svc;
};

describe("docker-service-require-gpu-placement", () => {
    it("has the pack's metadata", () => assertMetadata(policy, "docker-service-require-gpu-placement", "mandatory"));

    it("passes a GPU service constrained to GPU nodes (spaces around == allowed)", async () => {
        await assertNoViolations(
            policy,
            resourceArgs(policy, SERVICE, gpuService(["node.role==worker", "node.labels.gpu == true"])),
        );
    });

    it("passes a service without GPUs", async () => {
        await assertNoViolations(policy, resourceArgs(policy, SERVICE, appService()));
    });

    it("fails a GPU service without the constraint", async () => {
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, gpuService(["node.role==worker"])),
            'Service "snowflake-cortex" reserves GPUs (NVIDIA-GPU=1) and must be constrained to GPU nodes with "node.labels.gpu==true".',
        );
    });

    it("fails named GPU reservations without placement", async () => {
        const svc = gpuService(undefined);
        svc.taskSpec.resources.reservation.genericResources = { namedResourcesSpecs: ["NVIDIA-GPU=GPU-3a23c669"] };
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, svc),
            'Service "snowflake-cortex" reserves GPUs (NVIDIA-GPU=GPU-3a23c669) and must be constrained to GPU nodes with "node.labels.gpu==true".',
        );
    });

    it("takes the constraint from config", async () => {
        const config = { requiredConstraint: "node.labels.accelerator==nvidia" };
        await assertNoViolations(
            policy,
            resourceArgs(policy, SERVICE, gpuService(["node.labels.accelerator==nvidia"]), { config }),
        );
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, gpuService(["node.labels.gpu==true"]), { config }),
            'Service "snowflake-cortex" reserves GPUs (NVIDIA-GPU=1) and must be constrained to GPU nodes with "node.labels.accelerator==nvidia".',
        );
    });
});
