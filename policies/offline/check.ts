import * as fs from "fs";
import type { PolicyPackConfig } from "@pulumi/policy";
import { packArgs } from "../policies";
import { DocumentError, parseDocument } from "./document";
import { Evaluation, evaluatePolicies } from "./evaluate";
import { exitCode, formatEvaluation } from "./report";

/** The result of checking one file. */
export interface CheckResult {
    readonly code: 0 | 1 | 2;
    readonly output: string;
    readonly evaluation?: Evaluation;
}

/** Reads a JSON file, turning every failure into a DocumentError that names the file. */
function readJson(path: string, what: string): string {
    try {
        return fs.readFileSync(path === "-" ? 0 : path, "utf8");
    } catch (e) {
        const err = e as NodeJS.ErrnoException;
        const why =
            err.code === "ENOENT"
                ? "does not exist"
                : err.code === "EISDIR"
                  ? "is a directory"
                  : `cannot be read (${err.code ?? err.message})`;
        throw new DocumentError(`${what} ${path} ${why}.`);
    }
}

/** Loads a policy pack config file (the `--policy-pack-config` format: `{"all": "mandatory", "<policy>": {...}}`). */
export function loadPackConfig(path: string): PolicyPackConfig {
    const text = readJson(path, "Policy config file");
    let config: unknown;
    try {
        config = JSON.parse(text);
    } catch (e) {
        throw new DocumentError(`Policy config file ${path} is not valid JSON (${(e as Error).message}).`);
    }
    if (typeof config !== "object" || config === null || Array.isArray(config)) {
        throw new DocumentError(
            `Policy config file ${path} must be a JSON object of policy names to levels or settings.`,
        );
    }
    const known = new Set(["all", ...packArgs.policies.map((p) => p.name)]);
    for (const key of Object.keys(config)) {
        if (!known.has(key)) {
            throw new DocumentError(
                `Policy config file ${path} names unknown policy "${key}"; known: ${[...known].join(", ")}.`,
            );
        }
    }
    return config as PolicyPackConfig;
}

/**
 * Checks one `pulumi stack export` / offline plan file against the pack: 0 = no mandatory violation,
 * 1 = mandatory violations, 2 = the file (or config) is missing, unreadable or malformed, or a policy failed.
 * `label` names the document in messages (defaults to the path).
 */
export async function checkFile(path: string, configPath?: string, label?: string): Promise<CheckResult> {
    const source = label ?? (path === "-" ? "stdin" : path);
    try {
        const config = configPath ? loadPackConfig(configPath) : {};
        const doc = parseDocument(readJson(path, "Input file"), source);
        const evaluation = await evaluatePolicies(packArgs.policies, doc.resources, config, packArgs.enforcementLevel);
        return {
            code: exitCode(evaluation),
            output: formatEvaluation(evaluation, source, doc.resources.length),
            evaluation,
        };
    } catch (e) {
        if (e instanceof DocumentError) {
            return { code: 2, output: `policy:check: ${e.message}` };
        }
        throw e;
    }
}
