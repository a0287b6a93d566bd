import { expect } from "chai";
import { dockerStackRequireBuiltRuntimeImages as policy } from "../../../policies/stack/dockerStackRequireBuiltRuntimeImages";
import { appService, DIGEST, IMAGE, SERVICE } from "../fixtures";
import { assertMetadata, runStackPolicy, StackResource } from "../util";

const build: StackResource = {
    type: IMAGE,
    name: "chat-cache-image",
    props: { imageName: "ghcr.io/sophia-ai/chat-cache:build", repoDigest: `ghcr.io/sophia-ai/chat-cache@${DIGEST}` },
};
const runtime = (image: string): StackResource => {
    const props = appService();
    props.name = "chat-cache";
    props.labels.push({ label: "sophia.runtime", value: "chat-cache" });
    props.taskSpec.containerSpec.image = image;
    return { type: SERVICE, name: "chat-cache-service", props };
};
const urn = `urn:pulumi:test::sophia-infra::${SERVICE}::chat-cache-service`;

describe("docker-stack-require-built-runtime-images", () => {
    it("has the pack's metadata", () =>
        assertMetadata(policy, "docker-stack-require-built-runtime-images", "mandatory"));

    it("passes a runtime service on the stack's build", async () => {
        expect(await runStackPolicy(policy, [build, runtime(`ghcr.io/sophia-ai/chat-cache@${DIGEST}`)])).to.deep.equal(
            [],
        );
    });

    it("ignores services without the sophia.runtime label", async () => {
        expect(
            await runStackPolicy(
                policy,
                [appService()].map((props) => ({ type: SERVICE, name: "api-service", props })),
            ),
        ).to.deep.equal([]);
    });

    it("fails a runtime service on an image the stack did not build", async () => {
        expect(await runStackPolicy(policy, [build, runtime(`docker.io/someone/chat-cache@${DIGEST}`)])).to.deep.equal([
            [
                urn,
                `Runtime service "chat-cache" must run an image built by this stack's docker.Image resources, got "docker.io/someone/chat-cache@${DIGEST}".`,
            ],
        ]);
    });

    it("passes a local image id that is the stack build's repoDigest", async () => {
        const local: StackResource = {
            type: IMAGE,
            name: "chat-cache-image",
            props: { imageName: "sophia/chat-cache:dev", repoDigest: DIGEST },
        };
        expect(await runStackPolicy(policy, [local, runtime(DIGEST)])).to.deep.equal([]);
    });

    it("fails the same repository at another digest (an old or foreign build)", async () => {
        const other = `ghcr.io/sophia-ai/chat-cache@sha256:${"cd".repeat(32)}`;
        expect(await runStackPolicy(policy, [build, runtime(other)])).to.deep.equal([
            [
                urn,
                `Runtime service "chat-cache" must run an image built by this stack's docker.Image resources, got "${other}".`,
            ],
        ]);
    });

    it("fails a runtime service when the stack builds nothing", async () => {
        expect(await runStackPolicy(policy, [runtime(`ghcr.io/sophia-ai/chat-cache@${DIGEST}`)])).to.have.length(1);
    });
});
