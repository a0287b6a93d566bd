import * as crypto from "crypto";
import { Evaluation, PlannedResource, SECRET_SIG, SECRET_SIG_VALUE } from "./evaluateStack";

/** Replaces secret values with Pulumi's export form, whose ciphertext here says only "[secret]". */
export function maskSecrets(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map(maskSecrets);
    }
    if (value && typeof value === "object") {
        const obj = value as Record<string, unknown>;
        if (obj[SECRET_SIG] === SECRET_SIG_VALUE) {
            return { [SECRET_SIG]: SECRET_SIG_VALUE, ciphertext: "[secret]" };
        }
        return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, maskSecrets(v)]));
    }
    return value;
}

/** The plan as a document shaped like `pulumi stack export` (version 3, deployment.resources), marked offline. */
export function planDocument(evaluation: Evaluation): Record<string, unknown> {
    const { stackConfig } = evaluation;
    return {
        version: 3,
        deployment: {
            manifest: { generator: "sophia-infra offline plan (Pulumi engine mocked; computed values are stand-ins)" },
            resources: evaluation.resources.map((r: PlannedResource) => ({
                urn: r.urn,
                ...(r.id ? { id: r.id } : {}),
                custom: r.custom,
                type: r.type,
                ...(r.parent ? { parent: r.parent } : {}),
                inputs: maskSecrets(r.inputs),
                outputs: maskSecrets(r.outputs),
                ...(r.deleteBeforeReplace ? { deleteBeforeReplace: true } : {}),
                ...(r.protect ? { protect: true } : {}),
                // As `pulumi stack export` records it (apitype.ResourceV3.ignoreChanges), for policies on resource options.
                ...(r.ignoreChanges ? { ignoreChanges: r.ignoreChanges } : {}),
            })),
        },
        offline: {
            project: stackConfig.project,
            stack: stackConfig.stack,
            environments: stackConfig.environments,
            placeholders: stackConfig.placeholders,
            outputs: maskSecrets(evaluation.outputs),
        },
    };
}

function render(value: unknown, indent: string): string[] {
    if (value && typeof value === "object" && (value as Record<string, unknown>)[SECRET_SIG] === SECRET_SIG_VALUE) {
        return ["[secret]"];
    }
    if (Array.isArray(value)) {
        if (value.length === 0) {
            return ["[]"];
        }
        if (value.every((v) => v === null || typeof v !== "object")) {
            return [`[${value.map((v) => JSON.stringify(v)).join(", ")}]`];
        }
        return [
            "",
            ...value.flatMap((v) => {
                const [first, ...rest] = render(v, `${indent}  `);
                // An object item starts on the dash line, YAML style.
                if (first === "" && rest.length > 0) {
                    return [`${indent}- ${rest[0].trimStart()}`, ...rest.slice(1)];
                }
                return [`${indent}- ${first.trimStart()}`, ...rest];
            }),
        ];
    }
    if (value && typeof value === "object") {
        const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
        if (entries.length === 0) {
            return ["{}"];
        }
        return [
            "",
            ...entries.flatMap(([k, v]) => {
                const [first, ...rest] = render(v, `${indent}  `);
                return [`${indent}${k}: ${first}`.trimEnd(), ...rest];
            }),
        ];
    }
    return [JSON.stringify(value)];
}

/** Config files are long base64 blobs; the text plan shows their size and hash (`--json` keeps the data). */
function summariseConfigData(r: PlannedResource): Record<string, unknown> {
    if (r.type !== "docker:index/serviceConfig:ServiceConfig" || typeof r.inputs.data !== "string") {
        return r.inputs;
    }
    const text = Buffer.from(r.inputs.data, "base64");
    const sha = crypto.createHash("sha256").update(text).digest("hex").slice(0, 12);
    return { ...r.inputs, data: `<${text.length} bytes, sha256 ${sha}; see --json>` };
}

/** Human-readable plan: every resource with its type, name and inputs, secrets shown as [secret]. */
export function planText(evaluation: Evaluation): string {
    const { stackConfig, resources } = evaluation;
    const custom = resources.filter((r) => r.custom);
    const lines = [
        `Offline plan of stack "${stackConfig.stack}" (project ${stackConfig.project}): the Pulumi engine is mocked, so computed values (ids, digests, generated names) are stand-ins.`,
    ];
    if (stackConfig.environments.length) {
        lines.push(
            `ESC environments imported by the stack (not reachable offline): ${stackConfig.environments.join(", ")}`,
        );
    }
    if (stackConfig.placeholders.length) {
        lines.push(`Placeholder secrets used for: ${stackConfig.placeholders.join(", ")}`);
    }
    lines.push(`${custom.length} resources in ${resources.length - custom.length} components.`, "");
    for (const r of custom) {
        lines.push(`+ ${r.type}  ${r.name}${r.deleteBeforeReplace ? "  (delete-before-replace)" : ""}`);
        lines.push(...render(summariseConfigData(r), "    ").slice(1));
        lines.push("");
    }
    lines.push("Outputs:");
    lines.push(...render(evaluation.outputs, "    ").slice(1));
    return lines.join("\n");
}
