/**
 * Runs one of the loopback-only fakes from test/support (their CLIs bind 127.0.0.1) inside a Swarm task and makes
 * it reachable on the overlay: starts the fake's own CLI on an internal loopback port and forwards TCP from
 * 0.0.0.0:<listen> to it. An optional seed (JSON in env FAKE_SEED_JSON) is written to a file passed as `--seed`.
 *
 *   ts-node test/e2e/fakes/expose.ts --listen 8081 -- test/support/fakeGitHub.ts --token T
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";

const sep = process.argv.indexOf("--");
const own = process.argv.slice(2, sep);
const fakeArgs = process.argv.slice(sep + 1);
const listen = Number(own[own.indexOf("--listen") + 1]);
if (sep < 0 || !Number.isInteger(listen) || fakeArgs.length === 0) {
    process.stderr.write("usage: expose.ts --listen <port> -- <fake.ts> [fake args]\n");
    process.exit(2);
}
const internal = listen + 10000;
const args = [...fakeArgs, "--port", String(internal)];
if (process.env.FAKE_SEED_JSON) {
    const seed = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "seed-")), "seed.json");
    fs.writeFileSync(seed, process.env.FAKE_SEED_JSON);
    args.push("--seed", seed);
}
const tsNode = require.resolve("ts-node/dist/bin.js");
const child = spawn(process.execPath, [tsNode, "--transpile-only", ...args], { stdio: "inherit" });
child.on("exit", (code) => process.exit(code ?? 1));

const server = net.createServer((client) => {
    const upstream = net.connect(internal, "127.0.0.1");
    client.pipe(upstream).pipe(client);
    const close = () => {
        client.destroy();
        upstream.destroy();
    };
    client.on("error", close);
    upstream.on("error", close);
});
server.listen(listen, "0.0.0.0", () =>
    process.stdout.write(`expose: 0.0.0.0:${listen} -> 127.0.0.1:${internal} (${path.basename(fakeArgs[0])})\n`),
);
const stop = () => {
    child.kill("SIGTERM");
    server.close();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
