import { expect } from "chai";
import * as path from "path";
import { installMocks, promiseOf, resourceNamed, settled, unwrap } from "../support/pulumiMocks";

const runtimeDir = path.resolve(__dirname, "..", "..", "runtime");

describe("RuntimeImage", () => {
    let mod: typeof import("../../components/runtimeImage");
    before(async () => {
        await installMocks();
        mod = await import("../../components/runtimeImage");
    });

    it("builds runtime/<service> with its own Dockerfile, the base image as a build arg, the classic builder, local only", async () => {
        const img = new mod.RuntimeImage("t-cc", {
            service: "chat-cache",
            runtimeDir,
            tag: "0.1.0",
            baseImage: "node:20.18.1-bookworm-slim",
        });
        const digest = await promiseOf(img.repoDigest);
        await settled();
        const { inputs } = resourceNamed("docker:index/image:Image", "t-cc-image");
        expect(inputs.imageName).to.equal("sophia/chat-cache:0.1.0");
        expect(inputs.build).to.deep.equal({
            context: path.join(runtimeDir, "chat-cache"),
            dockerfile: path.join(runtimeDir, "chat-cache", "Dockerfile"),
            args: { BASE_IMAGE: "node:20.18.1-bookworm-slim" },
            builderVersion: "BuilderV1",
            platform: "linux/amd64",
        });
        expect(inputs.skipPush).to.equal(true);
        expect(inputs).to.not.have.property("registry");
        expect(digest).to.match(/^sophia\/chat-cache@sha256:[0-9a-f]{64}$/);
    });

    it("pushes to the configured registry with secret credentials", async () => {
        new mod.RuntimeImage("t-sm", {
            service: "sync-monitor",
            runtimeDir,
            tag: "0.1.0",
            baseImage: "node:20.18.1-bookworm-slim",
            registry: { server: "ghcr.io", repository: "sophia-ai", username: "bot", password: "registry-token" },
        });
        await settled();
        const { inputs } = resourceNamed("docker:index/image:Image", "t-sm-image");
        expect(inputs.imageName).to.equal("ghcr.io/sophia-ai/sync-monitor:0.1.0");
        expect(inputs.skipPush).to.equal(false);
        expect(unwrap(inputs.registry)).to.deep.equal({
            server: "ghcr.io",
            username: "bot",
            password: "registry-token",
        });
        expect(JSON.stringify(inputs.registry)).to.contain("4dabf18193072939515e22adb298388d");
    });

    it("rejects a service name that is not a runtime directory", () => {
        expect(
            () => new mod.RuntimeImage("t-bad", { service: "../etc", runtimeDir, tag: "1", baseImage: "x:1" }),
        ).to.throw(/`service` must be a directory name under runtime\//);
    });
});
