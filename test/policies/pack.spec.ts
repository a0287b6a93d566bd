import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { packArgs, PACK_NAME, policies } from "../../policies/policies";
import { resourceArgs, runResourcePolicy, runStackPolicy } from "./util";

const PACK_DIR = path.resolve(__dirname, "../../policies");
const AREAS = ["network", "service", "data", "github", "stack"];

describe("policy pack", () => {
    it("is named as in PulumiPolicy.yaml, runs on nodejs and is advisory unless a policy says otherwise", () => {
        const manifest = parse(fs.readFileSync(path.join(PACK_DIR, "PulumiPolicy.yaml"), "utf8"));
        expect(manifest).to.include({ name: PACK_NAME, runtime: "nodejs" });
        expect(manifest.description).to.be.a("string").and.not.equal("");
        expect(packArgs.enforcementLevel).to.equal("advisory");
    });

    it("has a package.json with a version (PolicyPack refuses to start without one), its SDK deps and a lock file", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(PACK_DIR, "package.json"), "utf8"));
        expect(pkg.version).to.match(/^\d+\.\d+\.\d+$/);
        expect(pkg.dependencies).to.have.keys("@pulumi/policy", "@pulumi/pulumi");
        const lock = JSON.parse(fs.readFileSync(path.join(PACK_DIR, "package-lock.json"), "utf8"));
        expect(lock.packages[""].dependencies).to.deep.equal(pkg.dependencies);
        expect(lock.packages).to.have.property("node_modules/@pulumi/policy");
    });

    it("index.ts only assembles the pack from ./policies", () => {
        const code = fs.readFileSync(path.join(PACK_DIR, "index.ts"), "utf8").replace(/^\s*\/\/.*$/gm, "");
        expect(code.match(/^import .*$/gm)).to.deep.equal([
            'import { PolicyPack } from "@pulumi/policy";',
            'import { packArgs, PACK_NAME } from "./policies";',
        ]);
        expect(code.match(/new PolicyPack\(/g)).to.have.length(1);
    });

    it("lists every policy file exactly once, one policy per file named after it", () => {
        const files = AREAS.flatMap((area) => fs.readdirSync(path.join(PACK_DIR, area)).map((f) => `${area}/${f}`));
        expect(files.length).to.equal(policies.length);
        for (const file of files) {
            // eslint-disable-next-line @typescript-eslint/no-require-imports -- each policy file is loaded by path
            const exported = Object.values(require(path.join(PACK_DIR, file)) as Record<string, unknown>);
            const inFile = exported.filter((v) => policies.includes(v as never));
            expect(inFile, file).to.have.length(1);
            const camel = path.basename(file, ".ts");
            const kebab = camel.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
            expect((inFile[0] as { name: string }).name, file).to.equal(kebab);
        }
    });

    it("has unique names, none reserved, and no enforcementLevel in any config schema (the CLI rejects both)", () => {
        const names = policies.map((p) => p.name);
        expect(new Set(names).size).to.equal(names.length);
        expect(names).to.not.include("all");
        for (const p of policies) {
            expect(p.configSchema?.properties ?? {}, p.name).to.not.have.property("enforcementLevel");
        }
    });

    it("is documented: docs/policies.md lists every policy with its enforcement level", () => {
        const doc = fs.readFileSync(path.resolve(__dirname, "../../docs/policies.md"), "utf8");
        for (const p of policies) {
            const row = doc.split("\n").find((l) => l.startsWith(`| \`${p.name}\``));
            expect(row, p.name).to.be.a("string");
            expect(row!.split("|")[2].trim(), p.name).to.equal(p.enforcementLevel);
        }
    });

    it("copes with missing fields: no policy throws on empty or partial resources", async () => {
        const types = [
            "docker:index/service:Service",
            "docker:index/network:Network",
            "docker:index/image:Image",
            "github:index/actionsSecret:ActionsSecret",
            "docker:index/secret:Secret",
        ];
        const partial = [
            {},
            { taskSpec: {} },
            { taskSpec: { containerSpec: {}, resources: {} } },
            { driver: "overlay" },
            { labels: [] },
        ];
        for (const policy of policies) {
            if ("validateStack" in policy) {
                await runStackPolicy(policy as StackValidationPolicy, []);
                await runStackPolicy(
                    policy as StackValidationPolicy,
                    types.map((type, i) => ({ type, name: `r${i}`, props: {} })),
                );
                continue;
            }
            for (const type of types) {
                for (const props of partial) {
                    await runResourcePolicy(
                        policy as ResourceValidationPolicy,
                        resourceArgs(policy, type, JSON.parse(JSON.stringify(props))),
                    );
                }
            }
        }
    });
});
