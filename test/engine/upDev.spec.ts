/**
 * The main command sets itself up: with no Pulumi CLI installed and the official installer out of reach, it builds
 * the CLI from source at the npm SDK's version and then says exactly which other pieces this machine lacks.
 */
import { expect } from "chai";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { cliPath } from "./pulumiCli";

const REPO = path.resolve(__dirname, "../..");

/** A loopback port nothing listens on: the installer download fails at once, as on a machine without internet. */
async function closedPort(): Promise<number> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    return port;
}

/** Runs a bash script in the repository without blocking the event loop (so mocha's timeout still works). */
function runScript(
    args: string[],
    env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        const child = spawn("bash", args, { cwd: REPO, env });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("close", (status) => resolve({ status, stdout, stderr }));
    });
}

describe("scripts/up-dev.sh --check on a machine without the Pulumi CLI", function () {
    // A first run may install npm packages; the CLI itself is already built by the test command.
    this.timeout(600_000);

    it("builds the CLI from source at the SDK's version and names each missing engine piece", async () => {
        const home = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-updev-"));
        try {
            const sdkVersion = JSON.parse(
                fs.readFileSync(path.join(REPO, "node_modules/@pulumi/pulumi/package.json"), "utf8"),
            ).version as string;
            const pathWithoutPulumi = (process.env.PATH ?? "")
                .split(":")
                .filter((dir) => !fs.existsSync(path.join(dir, "pulumi")))
                .join(":");
            const run = await runScript(["scripts/up-dev.sh", "--check"], {
                ...process.env,
                PATH: pathWithoutPulumi,
                HOME: home,
                PULUMI_HOME: path.join(home, ".pulumi"),
                SOPHIA_PULUMI_INSTALLER_URL: `http://127.0.0.1:${await closedPort()}/`,
            });
            const output = `${run.stdout}\n${run.stderr}`;
            expect(output).to.include(`building v${sdkVersion} from source`);
            expect(output).to.include(`Pulumi CLI: ${cliPath()} (source, v${sdkVersion})`);

            const pieces = spawnSync("bash", ["scripts/pulumi/engine-pieces.sh", cliPath()], {
                cwd: REPO,
                encoding: "utf8",
                env: { ...process.env, PULUMI_HOME: path.join(home, ".pulumi") },
            });
            const missing = [...pieces.stdout.matchAll(/^engine: (.+): MISSING/gm)].map((m) => m[1]);
            if (missing.length > 0) {
                expect(run.status, output).to.equal(1);
                for (const piece of missing) {
                    expect(output).to.include(`${piece}: MISSING`);
                }
                expect(output).to.match(/cannot be built on this machine/);
            } else {
                expect(output).to.not.match(/MISSING/);
            }
        } finally {
            fs.rmSync(home, { recursive: true, force: true });
        }
    });
});
