/**
 * `npm run plan -- --stack <name> [--json] [--config <ns:key>=<value> ...]`: evaluates the program offline (engine mocked) and prints the planned
 * resources. Exit codes: 0 planned, 1 the program or its config failed, 2 bad usage or an unknown/invalid stack file.
 */
import { evaluateStack } from "./offline/evaluateStack";
import { planDocument, planText } from "./offline/planFormat";
import { StackFileError } from "./offline/stackFiles";

function usage(message: string): never {
    process.stderr.write(
        `${message}\nUsage: npm run plan -- --stack <name> [--json] [--config <namespace:key>=<value> ...]\n`,
    );
    process.exit(2);
}

function parseArgs(argv: string[]): { stack: string; json: boolean; overrides: Record<string, string> } {
    let stack: string | undefined;
    let json = false;
    const overrides: Record<string, string> = {};
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--json") {
            json = true;
        } else if (a === "--stack" || a === "-s") {
            stack = argv[++i];
        } else if (a === "--config" || a === "-c") {
            // Like `pulumi preview --config`: try a value without editing the stack file.
            const kv = argv[++i] ?? "";
            const eq = kv.indexOf("=");
            if (eq <= 0 || !kv.slice(0, eq).includes(":")) {
                usage(`--config takes <namespace:key>=<value>, got ${JSON.stringify(kv)}.`);
            }
            overrides[kv.slice(0, eq)] = kv.slice(eq + 1);
        } else if (a.startsWith("--stack=")) {
            stack = a.slice("--stack=".length);
        } else {
            usage(`Unknown argument ${JSON.stringify(a)}.`);
        }
    }
    if (!stack) {
        usage("Missing --stack.");
    }
    return { stack, json, overrides };
}

async function main(): Promise<void> {
    const { stack, json, overrides } = parseArgs(process.argv.slice(2));
    try {
        const evaluation = await evaluateStack({ stack, configOverrides: overrides });
        const text = json ? `${JSON.stringify(planDocument(evaluation), null, 2)}\n` : `${planText(evaluation)}\n`;
        // Exit only once the write has been flushed: a large plan written to a pipe would otherwise be cut short.
        process.stdout.write(text, () => process.exit(0));
    } catch (e) {
        if (e instanceof StackFileError) {
            process.stderr.write(`error: ${e.message}\n`);
            process.exit(2);
        }
        const message = e instanceof Error ? e.message : String(e);
        process.stderr.write(`error: the program failed for stack "${stack}": ${message}\n`);
        process.exit(1);
    }
}

void main();
