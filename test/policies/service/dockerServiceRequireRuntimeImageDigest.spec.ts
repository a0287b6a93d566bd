import { dockerServiceRequireRuntimeImageDigest as policy } from "../../../policies/service/dockerServiceRequireRuntimeImageDigest";
import { appService, DIGEST, SERVICE } from "../fixtures";
import { assertMetadata, assertNoViolations, assertViolations, resourceArgs } from "../util";

const runtime = (image: string) => {
    const svc = appService();
    svc.name = "chat-cache";
    svc.labels.push({ label: "sophia.runtime", value: "chat-cache" });
    svc.taskSpec.containerSpec.image = image;
    return svc;
};

describe("docker-service-require-runtime-image-digest", () => {
    it("has the pack's metadata", () =>
        assertMetadata(policy, "docker-service-require-runtime-image-digest", "mandatory"));

    it("passes a runtime service on a digest", async () => {
        await assertNoViolations(
            policy,
            resourceArgs(policy, SERVICE, runtime(`ghcr.io/sophia-ai/chat-cache@${DIGEST}`)),
        );
    });

    it("passes a local image id (docker.Image's repoDigest when it does not push, as in dev)", async () => {
        await assertNoViolations(policy, resourceArgs(policy, SERVICE, runtime(DIGEST)));
    });

    it("ignores services that are not labelled sophia.runtime", async () => {
        await assertNoViolations(policy, resourceArgs(policy, SERVICE, appService()));
    });

    it("fails a runtime service on a tag, even a pinned one", async () => {
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, runtime("ghcr.io/sophia-ai/chat-cache:1.0.0")),
            'Runtime service "chat-cache" must run the image built by the program, referenced by digest (repo@sha256:...), got "ghcr.io/sophia-ai/chat-cache:1.0.0".',
        );
    });

    it("fails a truncated image id", async () => {
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, runtime("sha256:abc")),
            'Runtime service "chat-cache" must run the image built by the program, referenced by digest (repo@sha256:...), got "sha256:abc".',
        );
    });
});
