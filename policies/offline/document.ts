import { isSerializedSecret, markSecretPaths } from "../lib/secrets";

/** Thrown for an input document the checker cannot read; the CLI turns it into exit code 2. */
export class DocumentError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "DocumentError";
    }
}

/** One resource of a `pulumi stack export` document (or the offline plan), as the checker uses it. */
export interface DocumentResource {
    readonly urn: string;
    readonly type: string;
    /** Logical name (the last part of the URN). */
    readonly name: string;
    readonly custom: boolean;
    readonly parent?: string;
    readonly inputs: Record<string, unknown>;
    readonly outputs: Record<string, unknown>;
    readonly dependencies: string[];
    readonly propertyDependencies: Record<string, string[]>;
    readonly deleteBeforeReplace?: boolean;
    /** The `ignoreChanges` resource option, where the document records it (the offline plan does). */
    readonly ignoreChanges?: string[];
    readonly protect: boolean;
    readonly provider?: string;
}

/** A parsed document: its resources and, for the offline plan, the stack it was made for. */
export interface PolicyDocument {
    readonly resources: DocumentResource[];
    readonly stack?: string;
}

/** Stand-in for a secret whose plaintext the document does not hold (`ciphertext` only). */
export const REDACTED = "[secret]";

/** The logical name of a resource: the part of its URN after the last `::`. */
export function nameFromUrn(urn: string): string {
    const i = urn.lastIndexOf("::");
    return i >= 0 ? urn.slice(i + 2) : urn;
}

/**
 * Replaces serialized secrets with their plaintext (from `--show-secrets` exports or a plan's `value`) or
 * `[secret]`, the way the engine hands policies unwrapped values, and collects the dotted paths that were secret.
 */
function unwrapSecrets(value: unknown, path: string, found: string[]): unknown {
    if (isSerializedSecret(value)) {
        found.push(path);
        if (typeof value.plaintext === "string") {
            try {
                return unwrapSecrets(JSON.parse(value.plaintext), path, found);
            } catch {
                return value.plaintext;
            }
        }
        return "value" in value ? unwrapSecrets(value.value, path, found) : REDACTED;
    }
    if (Array.isArray(value)) {
        return value.map((v, i) => unwrapSecrets(v, path ? `${path}.${i}` : String(i), found));
    }
    if (typeof value === "object" && value !== null) {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) {
            out[k] = unwrapSecrets(v, path ? `${path}.${k}` : k, found);
        }
        return out;
    }
    return value;
}

function properties(raw: unknown, where: string): Record<string, unknown> {
    if (raw === undefined || raw === null) {
        return {};
    }
    if (typeof raw !== "object" || Array.isArray(raw)) {
        throw new DocumentError(`${where} must be an object.`);
    }
    const found: string[] = [];
    const props = unwrapSecrets(raw, "", found) as Record<string, unknown>;
    markSecretPaths(props, found);
    return props;
}

/**
 * Parses the text of a `pulumi stack export` document or of `npm run plan -- --json` into resources.
 * Throws DocumentError naming what is wrong when the text is not such a document.
 */
export function parseDocument(text: string, source: string): PolicyDocument {
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch (e) {
        throw new DocumentError(
            `${source} is not valid JSON (${(e as Error).message}); expected the output of \`pulumi stack export\` or \`npm run plan -- --json\`.`,
        );
    }
    const deployment = (doc as { deployment?: { resources?: unknown } } | null)?.deployment;
    const list = deployment?.resources;
    if (typeof doc !== "object" || doc === null || !Array.isArray(list)) {
        throw new DocumentError(
            `${source} has no \`deployment.resources\` array; expected the output of \`pulumi stack export\` or \`npm run plan -- --json\`.`,
        );
    }
    const resources: DocumentResource[] = [];
    list.forEach((entry: unknown, i: number) => {
        const where = `${source}: deployment.resources[${i}]`;
        if (typeof entry !== "object" || entry === null) {
            throw new DocumentError(`${where} must be an object.`);
        }
        const r = entry as Record<string, unknown>;
        if (typeof r.urn !== "string" || typeof r.type !== "string") {
            throw new DocumentError(`${where} must have string \`urn\` and \`type\` fields.`);
        }
        if (r.delete === true) {
            return; // a resource pending deletion is not part of the stack's desired state
        }
        const outputs = properties(r.outputs, `${where}.outputs`);
        if (typeof r.id === "string" && r.id !== "" && outputs.id === undefined) {
            outputs.id = r.id; // bridged providers report the id among the outputs; keep that true for exports without it
        }
        resources.push({
            urn: r.urn,
            type: r.type,
            name: nameFromUrn(r.urn),
            custom: r.custom !== false,
            parent: typeof r.parent === "string" ? r.parent : undefined,
            inputs: properties(r.inputs, `${where}.inputs`),
            outputs,
            dependencies: Array.isArray(r.dependencies)
                ? r.dependencies.filter((d): d is string => typeof d === "string")
                : [],
            propertyDependencies:
                typeof r.propertyDependencies === "object" && r.propertyDependencies !== null
                    ? (r.propertyDependencies as Record<string, string[]>)
                    : {},
            deleteBeforeReplace: typeof r.deleteBeforeReplace === "boolean" ? r.deleteBeforeReplace : undefined,
            ignoreChanges: Array.isArray(r.ignoreChanges)
                ? r.ignoreChanges.filter((p): p is string => typeof p === "string")
                : undefined,
            protect: r.protect === true,
            provider: typeof r.provider === "string" ? r.provider : undefined,
        });
    });
    const offline = (doc as { offline?: { stack?: unknown } }).offline;
    return { resources, stack: typeof offline?.stack === "string" ? offline.stack : undefined };
}
