/**
 * The offline plan (`npm run plan`, the policy check of the plans, the e2e deploy) resolves stack config itself.
 * These tests hold it to the real Pulumi CLI on the same files: the same keys and values, and the same verdict on a
 * value whose type Pulumi.yaml declares.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { resolveStackConfig, StackFileError } from "../../scripts/offline/stackFiles";
import { CliResult, ProjectCopy } from "./pulumiCli";

const REPO = path.resolve(__dirname, "../..");

/** What the engine decided about a stack's config in `pulumi preview`. */
interface EngineVerdict {
    readonly accepted: boolean;
    readonly message: string;
}

/**
 * `pulumi preview` validates the stack's config against Pulumi.yaml before it starts the language host. On this
 * machine the preview then stops at the missing language host or plugins (docs/engine.md); getting that far means
 * the config was accepted.
 */
function previewVerdict(result: CliResult): EngineVerdict {
    const output = `${result.stdout}\n${result.stderr}`;
    const refused = /validating stack config: (.*)/.exec(output);
    if (refused) {
        return { accepted: false, message: refused[1] };
    }
    if (result.code === 0 || /language plugin|resource plugin/.test(output)) {
        return { accepted: true, message: "" };
    }
    throw new Error(`pulumi preview failed for a reason other than config or plugins: ${output}`);
}

function offlineVerdict(dir: string, stack: string): EngineVerdict {
    try {
        resolveStackConfig(dir, stack);
        return { accepted: true, message: "" };
    } catch (e) {
        if (e instanceof StackFileError) {
            return { accepted: false, message: e.message };
        }
        throw e;
    }
}

/** `pulumi config --json` as key -> value (objects parsed), the way the program receives them. */
async function engineConfig(copy: ProjectCopy, stack: string): Promise<Record<string, unknown>> {
    const result = await copy.run(["config", "--stack", stack, "--json", "--show-secrets"]);
    expect(result.code, result.stderr).to.equal(0);
    const listed = JSON.parse(result.stdout) as Record<string, { value?: string; objectValue?: unknown }>;
    return Object.fromEntries(Object.entries(listed).map(([k, v]) => [k, v.objectValue ?? v.value]));
}

function offlineConfig(dir: string, stack: string): Record<string, unknown> {
    const { config } = resolveStackConfig(dir, stack);
    return Object.fromEntries(
        Object.entries(config).map(([k, v]) => {
            try {
                const parsed: unknown = JSON.parse(v);
                return [k, typeof parsed === "object" && parsed !== null ? parsed : v];
            } catch {
                return [k, v];
            }
        }),
    );
}

/** Pulumi.prod.yaml without its ESC import: what a file backend (the cluster suite's) can open. */
function prodWithoutEsc(): string {
    const doc = YAML.parseDocument(fs.readFileSync(path.join(REPO, "Pulumi.prod.yaml"), "utf8"));
    doc.delete("environment");
    return doc.toString();
}

/** Pulumi.dev.yaml with one config value replaced. */
function devWith(key: string, value: unknown): string {
    const doc = YAML.parseDocument(fs.readFileSync(path.join(REPO, "Pulumi.dev.yaml"), "utf8"));
    doc.setIn(["config", key], value);
    return doc.toString();
}

describe("stack config: the offline plan agrees with the real Pulumi CLI", function () {
    const copies: ProjectCopy[] = [];
    const copy = async (stacks: Record<string, string | undefined>): Promise<ProjectCopy> => {
        const c = new ProjectCopy(stacks);
        copies.push(c);
        for (const stack of Object.keys(stacks)) {
            await c.initStack(stack);
        }
        return c;
    };
    after(() => copies.forEach((c) => c.remove()));

    it("resolves the dev stack to the same keys and values as `pulumi config`", async () => {
        const c = await copy({ dev: undefined });
        const engine = await engineConfig(c, "dev");
        expect(Object.keys(engine)).to.have.length.greaterThan(20);
        expect(offlineConfig(c.dir, "dev")).to.deep.equal(engine);
    });

    it("resolves the prod stack without its ESC import to the same keys and values", async () => {
        const c = await copy({ prod: prodWithoutEsc() });
        const engine = await engineConfig(c, "prod");
        expect(engine["docker:host"]).to.equal("ssh://deploy@manager-1");
        expect(offlineConfig(c.dir, "prod")).to.deep.equal(engine);
    });

    it("knows the file backend cannot open the prod stack as it is: it imports an ESC environment", async () => {
        const c = await copy({ prod: undefined });
        const result = await c.run(["preview", "--stack", "prod", "--non-interactive"]);
        expect(result.code).to.not.equal(0);
        expect(`${result.stdout}${result.stderr}`).to.match(/does not support environments/);
        expect(resolveStackConfig(c.dir, "prod").environments).to.deep.equal(["sophia-ai/production"]);
    });

    const typed = "sophia-infra:environment";
    const cases: { what: string; value: unknown; accepted: boolean }[] = [
        { what: "a plain string", value: "staging", accepted: true },
        { what: "a number (the engine hands it over as a string)", value: 5, accepted: true },
        { what: "a list", value: ["dev", "prod"], accepted: false },
        { what: "a map", value: { name: "dev" }, accepted: false },
    ];
    for (const { what, value, accepted } of cases) {
        it(`gives the engine's verdict on ${what} for a key Pulumi.yaml declares as a string`, async () => {
            const c = await copy({ dev: devWith(typed, value) });
            const engine = previewVerdict(await c.run(["preview", "--stack", "dev", "--non-interactive"]));
            const offline = offlineVerdict(c.dir, "dev");
            expect(engine.accepted, `engine: ${engine.message}`).to.equal(accepted);
            expect(offline.accepted, `offline: ${offline.message}`).to.equal(accepted);
            if (!accepted) {
                expect(engine.message).to.include(typed);
                expect(offline.message).to.include(typed).and.include("string");
            }
        });
    }
});
