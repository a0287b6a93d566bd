import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { z } from "zod";
import { stackConfigSections } from "../../../components/config/schema";
import { GITHUB_SECRET_VALUES_DESCRIPTION } from "../../../components/config/secrets";
import {
    GITHUB_SECRET_VALUES_KEY,
    parseStackConfig,
    PROJECT,
    SECRET_CONFIG_KEYS,
    STACK_CONFIG_KEYS,
} from "../../../components/stackConfig";

interface Declared {
    type?: string;
    description?: string;
    default?: unknown;
}

const declared: Record<string, Declared> = Object.fromEntries(
    Object.entries(
        (
            YAML.parse(fs.readFileSync(path.join(__dirname, "../../../Pulumi.yaml"), "utf8")) as {
                config: Record<string, Declared>;
            }
        ).config,
    ).map(([k, v]) => [k.replace(`${PROJECT}:`, ""), v]),
);
const schema = z.toJSONSchema(stackConfigSections, { io: "input", unrepresentable: "any" }) as {
    properties: Record<string, { type?: string; description?: string; default?: unknown }>;
};
const oneLine = (s: string | undefined) => (s ?? "").replace(/\s+/g, " ").trim();

describe("Pulumi.yaml and the stack config schema", () => {
    it("declare the same keys: every schema key, every secret key and githubSecretValues, nothing else", () => {
        expect(Object.keys(declared).sort()).to.deep.equal(
            [...STACK_CONFIG_KEYS, ...Object.keys(SECRET_CONFIG_KEYS), GITHUB_SECRET_VALUES_KEY].sort(),
        );
    });

    for (const key of STACK_CONFIG_KEYS) {
        describe(key, () => {
            it("has the schema's description", () => {
                expect(oneLine(declared[key].description)).to.equal(oneLine(schema.properties[key].description));
            });
            it("has the schema's default", () => {
                expect(declared[key].default).to.deep.equal(schema.properties[key].default);
            });
            it("is declared `type: string` exactly when the schema takes a string", () => {
                expect(declared[key].type === "string").to.equal(schema.properties[key].type === "string");
            });
        });
    }

    it("gives the same config whether a key is unset or set to its Pulumi.yaml default", () => {
        const defaults = Object.fromEntries(STACK_CONFIG_KEYS.map((k) => [k, declared[k].default]));
        expect(parseStackConfig(defaults)).to.deep.equal(parseStackConfig({}));
    });

    it("describes every secret key as in Pulumi.yaml, as an empty-by-default string", () => {
        for (const [key, description] of Object.entries(SECRET_CONFIG_KEYS)) {
            expect(oneLine(declared[key].description), key).to.equal(description);
            expect(declared[key], key).to.include({ type: "string", default: "" });
        }
        expect(oneLine(declared[GITHUB_SECRET_VALUES_KEY].description)).to.equal(GITHUB_SECRET_VALUES_DESCRIPTION);
    });
});
