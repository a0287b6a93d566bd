/**
 * The pack as `pulumi policy publish` would ship it: `npm pack` of policies/, unpacked into a temp directory outside
 * the checkout, its declared dependencies installed there, then loaded and run (through its own offline runner, as
 * the engine cannot run here) against the dev and prod plans. It must load nothing from the repository and judge the
 * plans exactly as the in-repo pack does.
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkFile } from "../../policies/offline/check";

const ROOT = path.resolve(__dirname, "../..");
const STACKS = ["dev", "prod"];

function run(cmd: string, args: string[], cwd: string): string {
    const r = spawnSync(cmd, args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (r.status !== 0) {
        throw new Error(`${cmd} ${args.join(" ")} failed (exit ${r.status}):\n${r.stderr}`);
    }
    return r.stdout;
}

describe("policy pack, packed and installed outside the checkout", function () {
    this.timeout(600000);
    let tmp: string;
    let packDir: string;
    const plans: Record<string, string> = {};

    before(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-pack-"));
        expect(path.relative(ROOT, tmp).startsWith("..")).to.equal(true);
        for (const stack of STACKS) {
            plans[stack] = path.join(tmp, `${stack}.plan.json`);
            const doc = run(
                process.execPath,
                ["-r", "ts-node/register/transpile-only", "scripts/policyCheckPlans.ts", "--emit", stack],
                ROOT,
            );
            fs.writeFileSync(plans[stack], doc);
        }
        const tarball = run("npm", ["pack", "--silent", "--pack-destination", tmp], path.join(ROOT, "policies")).trim();
        run("tar", ["-xzf", path.join(tmp, tarball.split("\n").pop()!), "-C", tmp], tmp);
        packDir = path.join(tmp, "package");
        run(
            "npm",
            ["install", "--omit=dev", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"],
            packDir,
        );
    });

    after(() => {
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("ships the pack's files: PulumiPolicy.yaml, package.json with a version, its rules and its runner", () => {
        for (const f of [
            "PulumiPolicy.yaml",
            "package.json",
            "index.ts",
            "policies.ts",
            "lib/rules/tiers.ts",
            "offline/check.ts",
        ]) {
            expect(fs.existsSync(path.join(packDir, f)), f).to.equal(true);
        }
        expect(JSON.parse(fs.readFileSync(path.join(packDir, "package.json"), "utf8"))).to.have.property("version");
    });

    for (const stack of STACKS) {
        it(`loads only its own files and installed dependencies, and judges the ${stack} plan as the in-repo pack does`, async () => {
            const config = path.join(packDir, "config", `${stack}.json`);
            const script = `
                const check = require(${JSON.stringify(path.join(packDir, "offline", "check.ts"))});
                check.checkFile(${JSON.stringify(plans[stack])}, ${JSON.stringify(config)}, "plan").then((r) => {
                    // The TypeScript toolchain comes from the repository; everything the pack itself loads must not.
                    const loaded = Object.keys(require.cache);
                    const foreign = loaded.filter(
                        (f) => f.startsWith(${JSON.stringify(ROOT + path.sep)}) && !f.startsWith(${JSON.stringify(path.join(ROOT, "node_modules") + path.sep)}),
                    );
                    const policySdk = loaded.filter((f) => f.includes("/@pulumi/"));
                    const ownSdk = policySdk.every((f) => f.startsWith(${JSON.stringify(path.join(packDir, "node_modules") + path.sep)}));
                    process.stdout.write(JSON.stringify({ code: r.code, output: r.output, foreign, sdk: policySdk.length > 0 && ownSdk }));
                });`;
            const out = JSON.parse(
                run(
                    process.execPath,
                    ["-r", require.resolve("ts-node/register/transpile-only"), "-e", script],
                    packDir,
                ),
            ) as { code: number; output: string; foreign: string[]; sdk: boolean };
            expect(out.foreign, "repository files the packed pack loaded").to.deep.equal([]);
            expect(out.sdk, "@pulumi/* loaded from the pack's own node_modules").to.equal(true);
            const inRepo = await checkFile(
                plans[stack],
                path.join(ROOT, "policies", "config", `${stack}.json`),
                "plan",
            );
            expect(out.code).to.equal(inRepo.code);
            expect(out.output).to.equal(inRepo.output);
            expect(out.output).to.match(/resources checked, 0 mandatory/);
        });
    }
});
