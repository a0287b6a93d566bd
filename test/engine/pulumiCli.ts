/**
 * Runs the real Pulumi CLI (built from source by scripts/pulumi/build-cli.sh) against a throwaway copy of the
 * project: its own PULUMI_HOME, a file backend and a passphrase, no update checks and no plugin downloads.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const REPO = path.resolve(__dirname, "../..");

/** The CLI binary the test command built; `npm run test:engine` sets it. */
export function cliPath(): string {
    const cli = process.env.SOPHIA_PULUMI_CLI;
    if (!cli || !fs.existsSync(cli)) {
        throw new Error(
            "SOPHIA_PULUMI_CLI is not set to a built Pulumi CLI: run these tests with `npm run test:engine`.",
        );
    }
    return cli;
}

/** Output of one CLI run. */
export interface CliResult {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

/** A project copy with its own backend, in which stacks can be initialised and previewed. */
export class ProjectCopy {
    readonly dir: string;
    private readonly root: string;

    /** Copies Pulumi.yaml, index.ts and the given stack files (name -> YAML text, or undefined for the repo's own). */
    constructor(stacks: Record<string, string | undefined>) {
        this.root = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-engine-"));
        this.dir = path.join(this.root, "project");
        fs.mkdirSync(this.dir);
        fs.mkdirSync(path.join(this.root, "state"));
        for (const file of ["Pulumi.yaml", "index.ts"]) {
            fs.copyFileSync(path.join(REPO, file), path.join(this.dir, file));
        }
        for (const [stack, text] of Object.entries(stacks)) {
            const target = path.join(this.dir, `Pulumi.${stack}.yaml`);
            if (text === undefined) {
                fs.copyFileSync(path.join(REPO, `Pulumi.${stack}.yaml`), target);
            } else {
                fs.writeFileSync(target, text);
            }
        }
    }

    /** Runs `pulumi <args>` in the copy. */
    run(args: string[]): Promise<CliResult> {
        const env = {
            PATH: process.env.PATH ?? "/usr/bin:/bin",
            HOME: this.root,
            PULUMI_HOME: path.join(this.root, "home"),
            PULUMI_BACKEND_URL: `file://${path.join(this.root, "state")}`,
            PULUMI_CONFIG_PASSPHRASE: "engine-test",
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        };
        return new Promise((resolve) => {
            execFile(cliPath(), args, { cwd: this.dir, env, timeout: 60_000 }, (error, stdout, stderr) => {
                const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
                resolve({ code, stdout, stderr });
            });
        });
    }

    /** `pulumi stack init`, failing loudly if the CLI refuses. */
    async initStack(stack: string): Promise<void> {
        const result = await this.run(["stack", "init", stack, "--non-interactive"]);
        if (result.code !== 0) {
            throw new Error(`pulumi stack init ${stack} failed: ${result.stderr || result.stdout}`);
        }
    }

    remove(): void {
        fs.rmSync(this.root, { recursive: true, force: true });
    }
}
