/**
 * `npm run policy:check:plans [-- <stack> ...]`: makes the offline plan of each stack (prod and dev by default) and
 * runs the policy check on it with the stack's pack config (policies/config/<stack>.json), as `.ci/run` does.
 * Exit: the worst of the per-stack results (0 clean, 1 mandatory violations, 2 plan or input failure).
 *
 * The plans are the documents `npm run plan -- --stack <s> --json` prints (scripts/offline/evaluateStack.ts and
 * planFormat.ts), made in one child process per stack (the Pulumi runtime is global) that flushes its output before
 * exiting, so a large plan is never cut short on the pipe.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkFile } from "../policies/offline/check";

const ROOT = path.resolve(__dirname, "..");

/** Child mode: print one stack's plan document. */
async function emit(stack: string): Promise<void> {
    const { evaluateStack } = await import("./offline/evaluateStack");
    const { planDocument } = await import("./offline/planFormat");
    const evaluation = await evaluateStack({ stack });
    // Wait for the write: the caller exits right after, and a large document to a pipe would be cut short.
    await new Promise<void>((resolve, reject) =>
        process.stdout.write(`${JSON.stringify(planDocument(evaluation))}\n`, (e) => (e ? reject(e) : resolve())),
    );
}

/** Makes the plan of a stack in a child process and checks it; returns the exit code and prints the report. */
export async function checkStackPlan(stack: string): Promise<number> {
    const child = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", __filename, "--emit", stack], {
        cwd: ROOT,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    });
    if (child.status !== 0) {
        console.error(
            `policy:check:plans: the offline plan of stack "${stack}" failed (exit ${child.status}):\n${child.stderr}`,
        );
        return 2;
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-policy-"));
    const file = path.join(dir, `${stack}.plan.json`);
    try {
        fs.writeFileSync(file, child.stdout);
        const configPath = path.join(ROOT, "policies", "config", `${stack}.json`);
        const hasConfig = fs.existsSync(configPath);
        const result = await checkFile(
            file,
            hasConfig ? configPath : undefined,
            `plan of stack ${stack} (policy config ${hasConfig ? path.relative(ROOT, configPath) : "defaults"})`,
        );
        (result.code === 2 ? console.error : console.log)(result.output);
        return result.code;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

async function main(argv: string[]): Promise<number> {
    if (argv[0] === "--emit") {
        await emit(argv[1]);
        return 0;
    }
    const stacks = argv.length > 0 ? argv : ["prod", "dev"];
    let worst = 0;
    for (const stack of stacks) {
        worst = Math.max(worst, await checkStackPlan(stack));
    }
    return worst;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (e) => {
            console.error(`policy:check:plans: ${e instanceof Error ? e.stack : String(e)}`);
            process.exit(2);
        },
    );
}
