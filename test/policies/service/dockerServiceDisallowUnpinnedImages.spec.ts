import { dockerServiceDisallowUnpinnedImages as policy } from "../../../policies/service/dockerServiceDisallowUnpinnedImages";
import { appService, DIGEST, SERVICE } from "../fixtures";
import { assertMetadata, assertNoViolations, assertViolations, resourceArgs } from "../util";

const withImage = (image: string | undefined) => {
    const svc = appService();
    svc.taskSpec.containerSpec.image = image;
    return svc;
};

describe("docker-service-disallow-unpinned-images", () => {
    it("has the pack's metadata", () => assertMetadata(policy, "docker-service-disallow-unpinned-images", "mandatory"));

    it("passes version tags, digests and registries with ports", async () => {
        for (const image of [
            "ghcr.io/sophia-ai/api:1.2.3",
            "redis:7.2.5-bookworm",
            `ghcr.io/sophia-ai/chat-cache@${DIGEST}`,
            `redis:latest@${DIGEST}`,
            "registry.local:5000/team/app:2024.11.1",
        ]) {
            await assertNoViolations(policy, resourceArgs(policy, SERVICE, withImage(image)));
        }
    });

    it("fails :latest", async () => {
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, withImage("redis:latest")),
            'Service "api" must pin its image to a version tag or digest, got "redis:latest".',
        );
    });

    it("fails an untagged image", async () => {
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, withImage("ghcr.io/sophia-ai/api")),
            'Service "api" must pin its image to a version tag or digest, got "ghcr.io/sophia-ai/api".',
        );
    });

    it("does not mistake a registry port for a tag", async () => {
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, withImage("registry.local:5000/team/app")),
            'Service "api" must pin its image to a version tag or digest, got "registry.local:5000/team/app".',
        );
    });

    it("fails a truncated digest without a tag", async () => {
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, withImage("ghcr.io/sophia-ai/api@sha256:abc")),
            'Service "api" must pin its image to a version tag or digest, got "ghcr.io/sophia-ai/api@sha256:abc".',
        );
    });

    it("fails a service without an image", async () => {
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, withImage(undefined)),
            'Service "api" must set an image pinned to a version tag or digest.',
        );
    });
});
