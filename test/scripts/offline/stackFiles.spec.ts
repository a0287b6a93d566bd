import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ESC_SECRET_KEYS } from "../../../components/stackConfig";
import { placeholderValue, resolveStackConfig, StackFileError } from "../../../scripts/offline/stackFiles";

describe("stackFiles", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-stack-"));
        fs.writeFileSync(
            path.join(dir, "Pulumi.yaml"),
            [
                "name: sophia-infra",
                "runtime: nodejs",
                "config:",
                "  sophia-infra:environment:",
                "    type: string",
                "    description: env",
                "    default: dev",
                "  sophia-infra:redis:",
                "    description: redis",
                "    default:",
                "      tier: medium",
            ].join("\n"),
        );
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("merges project defaults under stack values, objects as JSON strings", () => {
        fs.writeFileSync(
            path.join(dir, "Pulumi.a.yaml"),
            "config:\n  sophia-infra:environment: prod\n  docker:host: ssh://deploy@m1\n",
        );
        const cfg = resolveStackConfig(dir, "a");
        expect(cfg.config).to.deep.equal({
            "sophia-infra:environment": "prod",
            "sophia-infra:redis": JSON.stringify({ tier: "medium" }),
            "docker:host": "ssh://deploy@m1",
        });
        expect(cfg.placeholders).to.deep.equal([]);
    });

    it("replaces encrypted values and ESC-supplied secrets with marked placeholders", () => {
        fs.writeFileSync(
            path.join(dir, "Pulumi.b.yaml"),
            "environment:\n  - org/prod\nconfig:\n  sophia-infra:apiKey:\n    secure: v1:abc\n",
        );
        const cfg = resolveStackConfig(dir, "b");
        expect(cfg.placeholders[0]).to.equal("sophia-infra:apiKey");
        expect(cfg.placeholders).to.include.members(ESC_SECRET_KEYS.map((k) => `sophia-infra:${k}`));
        expect(cfg.placeholders).to.have.length(1 + ESC_SECRET_KEYS.length);
        expect(cfg.secretKeys).to.deep.equal(cfg.placeholders);
        expect(cfg.config["sophia-infra:apiKey"]).to.equal(placeholderValue("sophia-infra:apiKey"));
        expect(cfg.environments).to.deep.equal(["org/prod"]);
    });

    it("builds the GitHub secret value tree from the mapping's keys", () => {
        fs.writeFileSync(
            path.join(dir, "Pulumi.g.yaml"),
            [
                "environment: [org/prod]",
                "config:",
                "  sophia-infra:github:",
                "    sync:",
                "      secrets:",
                "        - key: a.b.token",
                "          targets: []",
                "        - key: top",
                "          targets: []",
            ].join("\n"),
        );
        const cfg = resolveStackConfig(dir, "g");
        expect(cfg.placeholders).to.include("sophia-infra:githubSecretValues");
        expect(JSON.parse(cfg.config["sophia-infra:githubSecretValues"])).to.deep.equal({
            a: { b: { token: placeholderValue("sophia-infra:githubSecretValues.a.b.token") } },
            top: placeholderValue("sophia-infra:githubSecretValues.top"),
        });
    });

    it("reports malformed YAML and a bad environment list clearly", () => {
        fs.writeFileSync(path.join(dir, "Pulumi.c.yaml"), "config:\n  a: [unclosed\n");
        expect(() => resolveStackConfig(dir, "c")).to.throw(StackFileError, /Pulumi.c.yaml is not valid YAML/);
        fs.writeFileSync(path.join(dir, "Pulumi.d.yaml"), "environment: org/prod\n");
        expect(() => resolveStackConfig(dir, "d")).to.throw(
            StackFileError,
            /`environment` must be a list of ESC environment names/,
        );
        expect(() => resolveStackConfig(dir, "../x")).to.throw(StackFileError, /Invalid stack name/);
    });
});
