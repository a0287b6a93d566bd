import { dockerServiceRequireReadOnlyRootFilesystem as policy } from "../../../policies/service/dockerServiceRequireReadOnlyRootFilesystem";
import { appService, postgresService, SERVICE } from "../fixtures";
import { assertMetadata, assertNoViolations, assertViolations, resourceArgs } from "../util";

const WRITABLE =
    'Service "api" must run with a read-only root filesystem (taskSpec.containerSpec.readOnly: true); give the paths it writes a volume or a size-limited tmpfs.';

describe("docker-service-require-read-only-root-filesystem", () => {
    it("has the pack's metadata", () =>
        assertMetadata(policy, "docker-service-require-read-only-root-filesystem", "mandatory"));

    it("passes read-only services whose tmpfs mounts have sizes", async () => {
        await assertNoViolations(policy, resourceArgs(policy, SERVICE, appService()));
        await assertNoViolations(policy, resourceArgs(policy, SERVICE, postgresService()));
    });

    it("fails a writable root filesystem, set or left unset", async () => {
        const writable = appService();
        writable.taskSpec.containerSpec.readOnly = false;
        await assertViolations(policy, resourceArgs(policy, SERVICE, writable), WRITABLE);
        const unset = appService();
        delete unset.taskSpec.containerSpec.readOnly;
        await assertViolations(policy, resourceArgs(policy, SERVICE, unset), WRITABLE);
    });

    it("fails a tmpfs without a size limit", async () => {
        const svc = appService();
        svc.taskSpec.containerSpec.mounts = [{ type: "tmpfs", target: "/tmp" }];
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, svc),
            'Service "api" must limit the size of its tmpfs at /tmp (tmpfsOptions.sizeBytes).',
        );
    });

    it("lets config allow a writable root filesystem for a listed service only", async () => {
        const svc = appService();
        svc.taskSpec.containerSpec.readOnly = false;
        await assertNoViolations(
            policy,
            resourceArgs(policy, SERVICE, svc, { config: { allowedWritableRootFilesystem: ["api"] } }),
        );
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, svc, { config: { allowedWritableRootFilesystem: ["other"] } }),
            WRITABLE,
        );
    });

    it("copes with a service without a container spec", async () => {
        await assertViolations(policy, resourceArgs(policy, SERVICE, { name: "api" }), WRITABLE);
    });
});
