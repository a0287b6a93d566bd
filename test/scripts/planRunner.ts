import { spawnSync } from "child_process";
import * as path from "path";

/** Repository root. */
export const ROOT = path.resolve(__dirname, "..", "..");

/** Runs `npm run plan -- <args>` the way a user would (its own process: one evaluation per process). */
export function runPlan(args: string[]): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(
        process.execPath,
        [require.resolve("ts-node/dist/bin"), "--transpile-only", path.join(ROOT, "scripts", "plan.ts"), ...args],
        {
            cwd: ROOT,
            encoding: "utf8",
            maxBuffer: 64 * 1024 * 1024,
        },
    );
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A resource entry of the plan document. */
export interface PlanResource {
    urn: string;
    id?: string;
    type: string;
    custom: boolean;
    parent?: string;
    inputs: Record<string, any>;
    outputs: Record<string, any>;
    deleteBeforeReplace?: boolean;
}

/** Plans a stack as JSON and returns the document. */
export function planJson(
    stack: string,
    extra: string[] = [],
): { deployment: { resources: PlanResource[] }; offline: Record<string, any> } {
    const r = runPlan(["--stack", stack, "--json", ...extra]);
    if (r.status !== 0) {
        throw new Error(`plan --stack ${stack} exited ${r.status}: ${r.stderr}`);
    }
    return JSON.parse(r.stdout);
}
