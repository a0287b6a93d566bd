import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ESC_SECRET_KEYS, GITHUB_SECRET_VALUES_KEY, PROJECT } from "../../components/stackConfig";

/** A problem with the project or stack file, reported without a stack trace. */
export class StackFileError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "StackFileError";
    }
}

/** Config as the engine hands it to a program: `<namespace>:<key>` -> string (objects as JSON), plus which are secret. */
export interface ResolvedStackConfig {
    readonly project: string;
    readonly stack: string;
    readonly config: Record<string, string>;
    readonly secretKeys: string[];
    /** ESC environments the stack imports (`environment:` in the stack file). */
    readonly environments: string[];
    /** Keys filled with marked placeholders because their values live in ESC or are encrypted. */
    readonly placeholders: string[];
}

/** Marker text of an offline placeholder, so nobody mistakes it for a real value. */
export function placeholderValue(key: string): string {
    return `[offline placeholder for ${key}: value comes from ESC or is encrypted]`;
}

function readYaml(file: string): unknown {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw new StackFileError(`Cannot read ${file}: ${(e as Error).message}`);
    }
    const doc = YAML.parseDocument(text);
    if (doc.errors.length > 0) {
        throw new StackFileError(`${file} is not valid YAML: ${doc.errors[0].message}`);
    }
    return doc.toJS();
}

/** Lists the stacks that have a `Pulumi.<stack>.yaml` in the project directory. */
export function listStacks(projectDir: string): string[] {
    return fs
        .readdirSync(projectDir)
        .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/**
 * The GitHub secret values live in ESC as a tree addressed by the mapping's dotted keys; offline, build that tree
 * from the mapping with a placeholder at every key.
 */
function githubValuesPlaceholder(
    githubConfig: string | undefined,
    valuesKey: string,
): Record<string, unknown> | undefined {
    let secrets: unknown;
    try {
        secrets = (JSON.parse(githubConfig ?? "{}") as { sync?: { secrets?: unknown } }).sync?.secrets;
    } catch {
        return undefined;
    }
    if (!Array.isArray(secrets)) {
        return undefined;
    }
    const tree: Record<string, unknown> = {};
    for (const s of secrets) {
        const key = (s as { key?: unknown })?.key;
        if (typeof key !== "string") {
            continue;
        }
        const parts = key.split(".");
        let node = tree;
        parts.slice(0, -1).forEach((p) => {
            node = (node[p] ??= {}) as Record<string, unknown>;
        });
        node[parts[parts.length - 1]] = placeholderValue(`${valuesKey}.${key}`);
    }
    return tree;
}

/** A Pulumi.yaml config declaration's type, as the engine reads it (`type`, and `items` for arrays). */
interface DeclaredType {
    readonly type: string;
    readonly items?: DeclaredType;
}

/**
 * Whether a stack value fits its declared type, as `pulumi preview`/`up` check it before running the program: a
 * value from YAML reaches that check as a string unless it is a list or map, so any scalar fits `string`.
 */
function fitsDeclaredType(declared: DeclaredType, value: unknown): boolean {
    const scalar = typeof value !== "object" || value === null;
    switch (declared.type) {
        case "string":
            return scalar;
        case "integer":
            return scalar && /^[+-]?\d+$/.test(String(value));
        case "boolean":
            return value === true || value === false || value === "true" || value === "false";
        case "object":
            return !scalar && !Array.isArray(value);
        case "array":
            return (
                Array.isArray(value) &&
                declared.items !== undefined &&
                value.every((item) => fitsDeclaredType(declared.items as DeclaredType, item))
            );
        default:
            return false;
    }
}

function declaredTypeName(declared: DeclaredType): string {
    return declared.type === "array" && declared.items ? `array<${declaredTypeName(declared.items)}>` : declared.type;
}

function configString(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * Resolves a stack's configuration the way the engine would: project defaults from `Pulumi.yaml`, then the stack
 * file. Values that are encrypted (`secure:`) or that the stack imports from ESC cannot be read offline; those keys get
 * marked placeholder secrets and are listed in `placeholders`.
 */
export function resolveStackConfig(projectDir: string, stack: string): ResolvedStackConfig {
    if (!/^[A-Za-z0-9_.-]+$/.test(stack)) {
        throw new StackFileError(`Invalid stack name ${JSON.stringify(stack)}: use letters, digits, '-', '_' or '.'.`);
    }
    const stackFile = ["yaml", "yml"]
        .map((ext) => path.join(projectDir, `Pulumi.${stack}.${ext}`))
        .find((f) => fs.existsSync(f));
    if (!stackFile) {
        const known = listStacks(projectDir);
        throw new StackFileError(
            `Unknown stack ${JSON.stringify(stack)}: there is no Pulumi.${stack}.yaml in ${projectDir}. Known stacks: ${known.join(", ") || "none"}.`,
        );
    }
    const project = readYaml(path.join(projectDir, "Pulumi.yaml")) as {
        name?: string;
        config?: Record<string, unknown>;
    } | null;
    if (!project || typeof project.name !== "string") {
        throw new StackFileError("Pulumi.yaml has no project `name`.");
    }
    const stackDoc = (readYaml(stackFile) as { config?: unknown; environment?: unknown } | null) ?? {};
    if (
        stackDoc.config !== undefined &&
        (typeof stackDoc.config !== "object" || stackDoc.config === null || Array.isArray(stackDoc.config))
    ) {
        throw new StackFileError(
            `${path.basename(stackFile)}: \`config\` must be a map of <namespace>:<key> to values.`,
        );
    }
    const environments = stackDoc.environment === undefined ? [] : stackDoc.environment;
    if (!Array.isArray(environments) || environments.some((e) => typeof e !== "string")) {
        throw new StackFileError(
            `${path.basename(stackFile)}: \`environment\` must be a list of ESC environment names.`,
        );
    }

    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    const placeholders: string[] = [];
    const qualify = (k: string) => (k.includes(":") ? k : `${project.name}:${k}`);

    for (const [k, decl] of Object.entries(project.config ?? {})) {
        // A declaration is a map with description/type/default; anything else is a plain project-wide value.
        const isDecl =
            typeof decl === "object" &&
            decl !== null &&
            !Array.isArray(decl) &&
            Object.keys(decl).some((f) => ["description", "type", "default", "secret", "items"].includes(f));
        const value = isDecl ? (decl as { default?: unknown }).default : ((decl as { value?: unknown })?.value ?? decl);
        if (value !== undefined) {
            config[qualify(k)] = configString(value);
        }
    }
    const declaredTypes = new Map<string, DeclaredType>();
    for (const [k, decl] of Object.entries(project.config ?? {})) {
        const type = (decl as { type?: unknown } | null)?.type;
        if (typeof type === "string") {
            declaredTypes.set(qualify(k), decl as DeclaredType);
        }
    }
    for (const [k, value] of Object.entries((stackDoc.config ?? {}) as Record<string, unknown>)) {
        const full = qualify(k);
        const declared = declaredTypes.get(full);
        const secure = typeof value === "object" && value !== null && "secure" in value;
        if (declared && !secure && !fitsDeclaredType(declared, value)) {
            throw new StackFileError(
                `${path.basename(stackFile)}: ${full} must be of type ${declaredTypeName(declared)}, as Pulumi.yaml declares it; \`pulumi up\` refuses the stack until it is.`,
            );
        }
        if (secure) {
            config[full] = placeholderValue(full);
            secretKeys.push(full);
            placeholders.push(full);
            continue;
        }
        config[full] = configString(value);
    }
    if (environments.length > 0) {
        for (const k of ESC_SECRET_KEYS) {
            const full = `${PROJECT}:${k}`;
            if (!config[full]) {
                config[full] = placeholderValue(full);
                secretKeys.push(full);
                placeholders.push(full);
            }
        }
        const valuesKey = `${PROJECT}:${GITHUB_SECRET_VALUES_KEY}`;
        const tree = githubValuesPlaceholder(config[`${PROJECT}:github`], valuesKey);
        if (tree && (!config[valuesKey] || config[valuesKey] === "{}")) {
            config[valuesKey] = JSON.stringify(tree);
            secretKeys.push(valuesKey);
            placeholders.push(valuesKey);
        }
    }
    return { project: project.name, stack, config, secretKeys, environments: environments as string[], placeholders };
}
