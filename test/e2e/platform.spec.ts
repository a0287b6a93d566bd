/**
 * End to end: deploys the dev stack as planned onto a private single-node Docker Swarm (real dockerd, local
 * stand-in images) and checks that it runs: services converge and report healthy, overlays are encrypted with the
 * planned MTU, Postgres and Redis run with the planned tuning.
 */
import { expect } from "chai";
import Docker from "dockerode";
import Redis from "ioredis";
import * as net from "net";
import { PlannedResource } from "../../scripts/offline/evaluateStack";
import { TYPES } from "./applier/specs";
import { Deployment, deployDevStack, e2eOverrides } from "./deploy";
import { containerHealth, exec, log, privateDocker, runningContainers, waitFor } from "./engine";
import { buildStandIns } from "./images";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

describe("e2e: the dev stack on a private Docker Swarm", function () {
    this.timeout(20 * 60 * 1000);
    let docker: Docker;
    let deployment: Deployment;
    let started: number;
    let convergedMs: number;

    const planned = (type: string) => deployment.evaluation.resources.filter((r) => r.type === type);
    const plannedServices = () => planned(TYPES.service);
    const serviceNamed = (name: string): PlannedResource => {
        const svc = plannedServices().find((s) => s.inputs.name === name);
        if (!svc) {
            throw new Error(`the dev plan has no service named ${name}; planned: ${plannedServices().map((s) => s.inputs.name).join(", ")}`);
        }
        return svc;
    };
    const containerOf = async (service: string) => {
        const ids = await runningContainers(docker, service);
        if (ids.length === 0) {
            throw new Error(`service ${service} has no running container`);
        }
        return ids[0];
    };

    before(async function () {
        docker = privateDocker();
        started = Date.now();
        const { ids, timings } = await buildStandIns(docker, log);
        log(`stand-in images ready: rootfs ${seconds(timings.rootfsMs)}, import ${seconds(timings.importMs)}, builds ${seconds(timings.buildMs)} (${Object.keys(ids).length} images)`);
        const { overrides, ports } = await e2eOverrides();
        log(`config overrides: ${Object.keys(overrides).join(", ")}; host ports ${JSON.stringify(ports)}`);
        deployment = await deployDevStack(docker, overrides, ports);
        log(`applied ${deployment.applier.applied.length} resources in ${seconds(deployment.applyMs)}`);
        for (const a of deployment.applier.applied) {
            log(`  ${a.type.split(":").pop()} ${a.name}${a.engineName ? ` -> ${a.engineName}` : ""} (${seconds(a.ms)})`);
        }
    });

    it("applies every docker resource the program planned to the engine", async () => {
        const applied = new Set(deployment.applier.applied.map((a) => `${a.type} ${a.name}`));
        const missing = deployment.evaluation.resources.filter((r) => r.custom && !applied.has(`${r.type} ${r.name}`));
        expect(missing.map((r) => `${r.type} ${r.name}`), "resources registered but not applied").to.deep.equal([]);
        const services = await docker.listServices();
        expect(services.map((s) => s.Spec?.Name).sort()).to.deep.equal(plannedServices().map((s) => s.inputs.name as string).sort());
    });

    it("converges every service to its replica count with healthy tasks", async () => {
        const expected = plannedServices().map((s) => ({
            name: s.inputs.name as string,
            replicas: (s.inputs.mode as Obj)?.replicated?.replicas ?? 1,
            hasHealthcheck: Boolean((s.inputs.taskSpec as Obj)?.containerSpec?.healthcheck),
        }));
        const pending: Record<string, string> = {};
        await waitFor("every service to run its replicas with healthy tasks", 6 * 60 * 1000, async () => {
            let done = true;
            for (const s of expected) {
                const ids = await runningContainers(docker, s.name);
                const health = await Promise.all(ids.map((id) => containerHealth(docker, id)));
                const healthy = health.filter((h) => h === "healthy" || (!s.hasHealthcheck && h === "none")).length;
                pending[s.name] = `${healthy}/${s.replicas} healthy (${health.join(",") || "no running task"})`;
                if (healthy < s.replicas) {
                    done = false;
                }
            }
            return done ? true : undefined;
        }, 2000).catch((e) => {
            throw new Error(`${(e as Error).message}: ${JSON.stringify(pending)}`);
        });
        convergedMs = Date.now() - started;
        log(`converged: ${expected.map((s) => `${s.name} ${s.replicas}/${s.replicas} healthy`).join(", ")}`);
        log(`time to converge: ${seconds(convergedMs)} from the start of the run (images included), ${seconds(Date.now() - started - 0)} wall so far`);
        for (const s of expected) {
            const [svc] = await docker.listServices({ filters: JSON.stringify({ name: [s.name] }) });
            expect(svc.Spec?.Mode?.Replicated?.Replicas, `${s.name} replicas`).to.equal(s.replicas);
        }
    });

    it("creates the overlay networks encrypted and with the planned MTU", async () => {
        const networks = planned(TYPES.network);
        expect(networks.length).to.be.greaterThan(0);
        for (const n of networks) {
            const info = await docker.getNetwork(n.inputs.name as string).inspect();
            const options = n.inputs.options as Record<string, string>;
            expect(info.Driver, `${n.inputs.name} driver`).to.equal("overlay");
            expect(info.Scope, `${n.inputs.name} scope`).to.equal("swarm");
            expect(info.Options?.encrypted, `${n.inputs.name} is encrypted`).to.equal(options.encrypted);
            expect(options.encrypted, `the dev plan encrypts ${n.inputs.name}`).to.equal("true");
            expect(info.Options?.["com.docker.network.driver.mtu"], `${n.inputs.name} MTU`).to.equal(options["com.docker.network.driver.mtu"]);
        }
        // Inside a task the interface MTU is the underlay MTU minus VXLAN (50); same-node traffic is not IPsec-wrapped.
        const net = networks[0];
        const pgContainer = await containerOf("postgres");
        const info = await docker.getContainer(pgContainer).inspect();
        const attached = info.NetworkSettings.Networks[net.inputs.name as string];
        expect(attached, `postgres is attached to ${net.inputs.name}`).to.exist;
    });

    it("runs Postgres with the planned settings (SHOW through psql in the task)", async () => {
        const svc = serviceNamed("postgres");
        const args = (svc.inputs.taskSpec as Obj).containerSpec.args as string[];
        const env = (svc.inputs.taskSpec as Obj).containerSpec.env as Record<string, string>;
        const settings = Object.fromEntries(args.filter((_, i) => args[i - 1] === "-c").map((kv) => kv.split("=", 2) as [string, string]));
        expect(settings.shared_buffers, "the plan sets shared_buffers").to.be.a("string");
        const id = await containerOf("postgres");
        const names = Object.keys(settings);
        const sql = `SELECT name, setting, unit FROM pg_settings WHERE name IN (${names.map((n) => `'${n}'`).join(",")}) ORDER BY name`;
        const shows = await Promise.all(names.map(async (n) => {
            const r = await exec(docker, id, ["psql", "-h", "/var/run/postgresql", "-U", env.POSTGRES_USER, "-d", env.POSTGRES_DB, "-Atc", `SHOW ${n}`]);
            expect(r.code, `SHOW ${n}: ${r.stderr}`).to.equal(0);
            return [n, r.stdout.trim()] as const;
        }));
        const actual = Object.fromEntries(shows);
        // SHOW prints memory in the largest exact unit, the way the plan writes it (256MB, 7864kB, 1GB).
        expect(actual, `postgres settings (query: ${sql})`).to.deep.equal(settings);
        log(`postgres: ${Object.entries(actual).map(([k, v]) => `${k}=${v}`).join(" ")}`);
    });

    it("runs Redis with the planned maxmemory and eviction policy, password required, reachable on its published host port", async () => {
        const svc = serviceNamed("redis");
        const args = (svc.inputs.taskSpec as Obj).containerSpec.args as string[];
        const arg = (flag: string) => args[args.indexOf(flag) + 1];
        const id = await containerOf("redis");
        const pw = await exec(docker, id, ["cat", "/run/secrets/redis_password"]);
        expect(pw.code, `read the password secret: ${pw.stderr}`).to.equal(0);
        const cli = (...cmd: string[]) => exec(docker, id, ["redis-cli", "--no-auth-warning", ...cmd], [`REDISCLI_AUTH=${pw.stdout}`]);
        const maxmemory = await cli("CONFIG", "GET", "maxmemory");
        const policy = await cli("CONFIG", "GET", "maxmemory-policy");
        const plannedBytes = parseRedisSize(arg("--maxmemory"));
        expect(maxmemory.stdout.trim().split("\n")[1], "maxmemory").to.equal(String(plannedBytes));
        expect(policy.stdout.trim().split("\n")[1], "maxmemory-policy").to.equal(arg("--maxmemory-policy"));
        log(`redis: maxmemory ${plannedBytes} (${arg("--maxmemory")}), policy ${arg("--maxmemory-policy")}`);

        const port = deployment.ports["redis:6379"];
        if (port !== undefined) {
            // A raw RESP PING without AUTH: the published port reaches the server, which refuses unauthenticated clients.
            const reply = await rawRedisPing(port);
            expect(reply, "an unauthenticated PING is refused").to.match(/^-NOAUTH/);
            const client = new Redis({ host: "127.0.0.1", port, password: pw.stdout, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
            try {
                await client.connect();
                expect(await client.ping()).to.equal("PONG");
            } finally {
                client.disconnect();
            }
        }
    });
});

/** Sends a bare PING over TCP and returns the first reply line. */
function rawRedisPing(port: number): Promise<string> {
    return new Promise((resolve, reject) => {
        const sock = net.connect(port, "127.0.0.1", () => sock.write("PING\r\n"));
        let buf = "";
        sock.setTimeout(5000, () => { sock.destroy(); reject(new Error("no reply to PING within 5s")); });
        sock.on("data", (b) => {
            buf += b.toString("utf8");
            if (buf.includes("\r\n")) {
                sock.end();
                resolve(buf.split("\r\n")[0]);
            }
        });
        sock.on("error", reject);
    });
}

/** Redis' size notation ("307mb", "1gb") in bytes, as CONFIG GET reports it. */
function parseRedisSize(s: string): number {
    const m = /^(\d+)(b|kb|mb|gb)?$/i.exec(s);
    if (!m) {
        throw new Error(`unreadable Redis size ${s}`);
    }
    const unit: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };
    return Number(m[1]) * unit[(m[2] ?? "b").toLowerCase()];
}
