import { spawnSync } from "child_process";
import * as path from "path";

export const ROOT = path.resolve(__dirname, "../../..");

/** Output of a finished command. */
export interface Run {
    status: number | null;
    stdout: string;
    stderr: string;
}

/** Runs `npm run -s <script> -- args` in the repository, as CI does. */
export function npmRun(script: string, ...args: string[]): Run {
    const r = spawnSync("npm", ["run", "-s", script, "--", ...args], {
        cwd: ROOT,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The offline plan document of a stack (scripts/policyCheckPlans.ts --emit, one child process per stack). */
export function emitPlan(stack: string): any {
    const r = spawnSync(
        process.execPath,
        ["-r", "ts-node/register/transpile-only", "scripts/policyCheckPlans.ts", "--emit", stack],
        {
            cwd: ROOT,
            encoding: "utf8",
            maxBuffer: 64 * 1024 * 1024,
        },
    );
    if (r.status !== 0) {
        throw new Error(`plan of ${stack} failed: ${r.stderr}`);
    }
    return JSON.parse(r.stdout);
}

/** The resource of a plan with this type whose URN ends in `::name`. */
export function planResource(plan: any, type: string, name: string): any {
    const found = plan.deployment.resources.filter((r: any) => r.type === type && r.urn.endsWith(`::${name}`));
    if (found.length !== 1) {
        throw new Error(`expected one ${type} named ${name} in the plan, found ${found.length}`);
    }
    return found[0];
}

/** Runs the policy:check entry point directly (what the npm script runs, without npm's start-up). */
export function policyCheck(...args: string[]): Run {
    const r = spawnSync(
        process.execPath,
        ["-r", "ts-node/register/transpile-only", "scripts/policyCheck.ts", ...args],
        {
            cwd: ROOT,
            encoding: "utf8",
            maxBuffer: 64 * 1024 * 1024,
        },
    );
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
