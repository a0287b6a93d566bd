import { dockerServiceRequireDroppedCapabilities as policy } from "../../../policies/service/dockerServiceRequireDroppedCapabilities";
import { appService, SERVICE } from "../fixtures";
import { assertMetadata, assertNoViolations, assertViolations, resourceArgs } from "../util";

const NOT_DROPPED =
    'Service "api" must drop every capability (taskSpec.containerSpec.capDrops: ["ALL"]) and add back only those it needs.';

const cadvisor = () => {
    const svc = appService();
    svc.taskSpec.containerSpec.image = "gcr.io/cadvisor/cadvisor:v0.49.1";
    svc.taskSpec.containerSpec.capAdds = ["CAP_SYS_PTRACE", "CAP_DAC_READ_SEARCH"];
    return svc;
};
const granted = { allowedCapabilities: { "gcr.io/cadvisor/cadvisor": ["CAP_SYS_PTRACE", "CAP_DAC_READ_SEARCH"] } };

describe("docker-service-require-dropped-capabilities", () => {
    it("has the pack's metadata", () =>
        assertMetadata(policy, "docker-service-require-dropped-capabilities", "mandatory"));

    it("passes a service that drops ALL and adds nothing", async () => {
        await assertNoViolations(policy, resourceArgs(policy, SERVICE, appService()));
    });

    it("fails a service that keeps Docker's default capabilities or drops only some", async () => {
        const none = appService();
        delete none.taskSpec.containerSpec.capDrops;
        await assertViolations(policy, resourceArgs(policy, SERVICE, none), NOT_DROPPED);
        const some = appService();
        some.taskSpec.containerSpec.capDrops = ["NET_RAW", "SETUID"];
        await assertViolations(policy, resourceArgs(policy, SERVICE, some), NOT_DROPPED);
    });

    it("accepts ALL in any case, as the Engine API does", async () => {
        const svc = appService();
        svc.taskSpec.containerSpec.capDrops = ["all"];
        await assertNoViolations(policy, resourceArgs(policy, SERVICE, svc));
    });

    it("fails a capability added back that config does not grant the image", async () => {
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, cadvisor()),
            'Service "api" adds capability CAP_SYS_PTRACE, which allowedCapabilities does not grant to image "gcr.io/cadvisor/cadvisor".',
            'Service "api" adds capability CAP_DAC_READ_SEARCH, which allowedCapabilities does not grant to image "gcr.io/cadvisor/cadvisor".',
        );
    });

    it("passes capabilities granted to the image, in either spelling, and only to that image", async () => {
        await assertNoViolations(policy, resourceArgs(policy, SERVICE, cadvisor(), { config: granted }));
        const short = cadvisor();
        short.taskSpec.containerSpec.capAdds = ["sys_ptrace"];
        await assertNoViolations(policy, resourceArgs(policy, SERVICE, short, { config: granted }));
        const other = appService();
        other.taskSpec.containerSpec.capAdds = ["CAP_SYS_PTRACE"];
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, other, { config: granted }),
            'Service "api" adds capability CAP_SYS_PTRACE, which allowedCapabilities does not grant to image "ghcr.io/sophia-ai/api".',
        );
    });
});
