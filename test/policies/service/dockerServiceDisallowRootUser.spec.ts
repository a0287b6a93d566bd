import { dockerServiceDisallowRootUser as policy } from "../../../policies/service/dockerServiceDisallowRootUser";
import { appService, postgresService, redisService, SERVICE } from "../fixtures";
import { assertMetadata, assertNoViolations, assertViolations, resourceArgs } from "../util";

const withUser = (user: string | undefined, image?: string) => {
    const svc = appService();
    if (user === undefined) {
        delete svc.taskSpec.containerSpec.user;
    } else {
        svc.taskSpec.containerSpec.user = user;
    }
    if (image) {
        svc.taskSpec.containerSpec.image = image;
    }
    return svc;
};

describe("docker-service-disallow-root-user", () => {
    it("has the pack's metadata", () => assertMetadata(policy, "docker-service-disallow-root-user", "mandatory"));

    it("passes services with an explicit non-root user (uid:gid, uid or name)", async () => {
        for (const svc of [appService(), redisService(), postgresService(), withUser("1000"), withUser("node")]) {
            await assertNoViolations(policy, resourceArgs(policy, SERVICE, svc));
        }
    });

    it("fails a service without a user: the image's default may be root", async () => {
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, withUser(undefined)),
            `Service "api" must set an explicit non-root user (taskSpec.containerSpec.user); unset, it runs as its image's default user, which may be root.`,
        );
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, withUser("  ")),
            `Service "api" must set an explicit non-root user (taskSpec.containerSpec.user); unset, it runs as its image's default user, which may be root.`,
        );
    });

    it("fails root by uid or name, with or without a group", async () => {
        for (const user of ["0", "root", "0:0", "root:root", "0:999"]) {
            await assertViolations(
                policy,
                resourceArgs(policy, SERVICE, withUser(user)),
                `Service "api" must not run as root (user "${user}") unless its image "ghcr.io/sophia-ai/api" is listed in rootImages.`,
            );
        }
    });

    it("does not mistake a uid that starts with 0 digits elsewhere for root", async () => {
        await assertNoViolations(policy, resourceArgs(policy, SERVICE, withUser("1000:0")));
        await assertNoViolations(policy, resourceArgs(policy, SERVICE, withUser("rootless")));
    });

    it("lets config allow root for a listed image repository, whatever its tag", async () => {
        const config = { rootImages: ["gcr.io/cadvisor/cadvisor"] };
        await assertNoViolations(
            policy,
            resourceArgs(policy, SERVICE, withUser(undefined, "gcr.io/cadvisor/cadvisor:v0.49.1"), { config }),
        );
        await assertNoViolations(
            policy,
            resourceArgs(policy, SERVICE, withUser("0", `gcr.io/cadvisor/cadvisor@sha256:${"ab".repeat(32)}`), {
                config,
            }),
        );
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, withUser("root"), { config }),
            `Service "api" must not run as root (user "root") unless its image "ghcr.io/sophia-ai/api" is listed in rootImages.`,
        );
    });
});
