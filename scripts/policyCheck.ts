/**
 * `npm run policy:check -- [--config <policy-config.json>] <file.json | ->`: evaluates the CrossGuard pack in
 * policies/ on a `pulumi stack export` document or the offline plan (`npm run plan -- --json`), without the engine.
 * Exit 0 = no mandatory violation, 1 = mandatory violations, 2 = bad input file or config.
 */
import { checkFile } from "../policies/offline/check";

const USAGE = "usage: npm run policy:check -- [--config <policy-config.json>] <stack-export-or-plan.json | ->";

async function main(argv: string[]): Promise<number> {
    let configPath: string | undefined;
    const files: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === "--config") {
            configPath = argv[++i];
            if (!configPath) {
                console.error(`policy:check: --config needs a file.\n${USAGE}`);
                return 2;
            }
        } else if (argv[i] === "-h" || argv[i] === "--help") {
            console.log(USAGE);
            return 0;
        } else {
            files.push(argv[i]);
        }
    }
    if (files.length !== 1) {
        console.error(`policy:check: expected exactly one input file, got ${files.length}.\n${USAGE}`);
        return 2;
    }
    const result = await checkFile(files[0], configPath);
    (result.code === 2 ? console.error : console.log)(result.output);
    return result.code;
}

main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
        console.error(`policy:check: ${e instanceof Error ? e.stack : String(e)}`);
        process.exit(2);
    },
);
