import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { toYaml } from "../../../components/monitoring/render";

/** Result of running a real CLI. */
export interface ToolResult {
    readonly status: number | null;
    /** stdout and stderr together. */
    readonly output: string;
    readonly stdout: string;
}

/** Runs promtool/amtool synchronously and returns exit status and combined output. */
export function runTool(cmd: string, args: string[], cwd?: string): ToolResult {
    const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout: 120000 });
    if (r.error) {
        throw new Error(
            `could not run ${cmd} (install Debian's prometheus / prometheus-alertmanager packages): ${r.error.message}`,
        );
    }
    return { status: r.status, output: `${r.stdout}${r.stderr}`, stdout: r.stdout };
}

/** A fresh temp dir, removed by the returned function. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Writes `{ relativePath: object }` as YAML under `dir`, creating folders as needed. */
export function writeYamlFiles(dir: string, files: Record<string, unknown>): void {
    for (const [rel, value] of Object.entries(files)) {
        const file = path.join(dir, rel);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, typeof value === "string" ? value : toYaml(value));
    }
}
