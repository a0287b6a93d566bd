import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { emitPlan, npmRun, planResource, policyCheck, ROOT } from "./harness";

const SERVICE = "docker:index/service:Service";
const NETWORK = "docker:index/network:Network";

/** `[level, policy, resource name, message]` of every violation the checker printed. */
function violations(stdout: string): string[][] {
    const lines = stdout.split("\n");
    const out: string[][] = [];
    lines.forEach((line, i) => {
        const m = /^(mandatory|advisory)\s+(\S+)\s+(\S+)$/.exec(line);
        if (m) {
            out.push([m[1], m[2], m[3].split("::").pop()!, lines[i + 1].trim()]);
        }
    });
    return out;
}

describe("policy check on the program's offline plans", function () {
    this.timeout(120000);

    it("`npm run policy:check:plans` finds no mandatory violation in the prod and dev plans", () => {
        const r = npmRun("policy:check:plans");
        expect(r.status, r.stdout + r.stderr).to.equal(0);
        const summaries = r.stdout.split("\n").filter((l) => / resources checked, /.test(l));
        expect(summaries).to.have.length(2);
        for (const s of summaries) {
            expect(s).to.match(/, 0 mandatory and \d+ advisory violation\(s\)\.$/);
        }
        const found = violations(r.stdout);
        expect(found.filter(([level]) => level !== "advisory")).to.deep.equal([]);
        // prod's jumbo-frame network is intentional and stays a visible advisory.
        expect(found).to.deep.include([
            "advisory",
            "docker-network-advise-standard-mtu",
            "sophia-performance-network",
            'Overlay network "sophia-performance" uses MTU 9000, above 1500: jumbo frames must be carried by every hop of the underlay.',
        ]);
    });

    it("checks the document `npm run plan -- --stack dev --json` prints, as is", () => {
        const plan = npmRun("plan", "--stack", "dev", "--json");
        expect(plan.status, plan.stderr).to.equal(0);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dev-plan-"));
        try {
            fs.writeFileSync(path.join(dir, "dev.json"), plan.stdout);
            const r = policyCheck("--config", "policies/config/dev.json", path.join(dir, "dev.json"));
            expect(r.status, r.stdout + r.stderr).to.equal(0);
            expect(r.stdout).to.match(
                /dev\.json: \d+ resources checked, 0 mandatory and \d+ advisory violation\(s\)\.\n$/,
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("records each network's ignoreChanges option in the plan, as `pulumi stack export` does", () => {
        const plan = emitPlan("dev");
        const net = planResource(plan, "docker:index/network:Network", "sophia-overlay-network");
        expect(net.ignoreChanges).to.deep.equal(['options["com.docker.network.driver.overlay.vxlanid_list"]']);
    });

    it("keeps each stack's policy config tiers equal to the stack's `sophia-infra:tiers`", () => {
        for (const stack of ["prod", "dev"]) {
            const stackTiers = parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8"))?.config?.[
                "sophia-infra:tiers"
            ];
            const config = JSON.parse(fs.readFileSync(path.join(ROOT, "policies", "config", `${stack}.json`), "utf8"));
            expect(config["docker-service-match-tier-resources"]?.tiers, stack).to.deep.equal(stackTiers);
        }
    });

    describe("a deliberately broken prod plan", () => {
        let dir: string;
        let run: ReturnType<typeof policyCheck>;

        before(() => {
            const plan = emitPlan("prod");
            // Unencrypted overlay network.
            delete planResource(plan, NETWORK, "sophia-overlay-network").inputs.options.encrypted;
            // An image on :latest.
            planResource(plan, SERVICE, "mcp-gateway-service").inputs.taskSpec.containerSpec.image =
                "ghcr.io/sophia-ai/sophia-mcp-gateway:latest";
            // A plaintext password in the environment.
            planResource(plan, SERVICE, "ai-memory-service").inputs.taskSpec.containerSpec.env.POSTGRES_PASSWORD =
                "hunter2";
            // No limits or reservations (a custom-tier service, so only the limits policy applies).
            delete planResource(plan, SERVICE, "snowflake-cortex-service").inputs.taskSpec.resources;
            // Redis maxmemory equal to its 6GiB limit.
            const redisArgs: string[] = planResource(plan, SERVICE, "redis-service").inputs.taskSpec.containerSpec.args;
            redisArgs[redisArgs.indexOf("--maxmemory") + 1] = "6gb";
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "broken-plan-"));
            fs.writeFileSync(path.join(dir, "prod.json"), JSON.stringify(plan));
            run = policyCheck("--config", "policies/config/prod.json", path.join(dir, "prod.json"));
        });

        after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

        it("fails policy:check with exit 1", () => {
            expect(run.status, run.stderr).to.equal(1);
        });

        it("reports exactly the five mandatory violations, never printing the password", () => {
            expect(violations(run.stdout).filter(([level]) => level === "mandatory")).to.deep.equal([
                [
                    "mandatory",
                    "docker-network-require-encryption",
                    "sophia-overlay-network",
                    'Overlay network "sophia-overlay" must be encrypted: set options.encrypted to "true".',
                ],
                [
                    "mandatory",
                    "docker-service-require-resource-limits",
                    "snowflake-cortex-service",
                    'Service "snowflake-cortex" must set CPU and memory limits and reservations; missing taskSpec.resources.limits.nanoCpus, limits.memoryBytes, reservation.nanoCpus, reservation.memoryBytes.',
                ],
                [
                    "mandatory",
                    "docker-service-disallow-unpinned-images",
                    "mcp-gateway-service",
                    'Service "mcp-gateway" must pin its image to a version tag or digest, got "ghcr.io/sophia-ai/sophia-mcp-gateway:latest".',
                ],
                [
                    "mandatory",
                    "docker-service-disallow-plaintext-secrets",
                    "ai-memory-service",
                    'Service "ai-memory" must not pass a secret in plaintext env var POSTGRES_PASSWORD; mount it as a Docker secret file and pass its path (POSTGRES_PASSWORD_FILE).',
                ],
                [
                    "mandatory",
                    "docker-service-configure-redis-memory",
                    "redis-service",
                    'Redis service "redis" must keep maxmemory at or below 2/3 of its memory limit (4GiB of 6GiB), got "6gb".',
                ],
            ]);
            expect(run.stdout).to.not.include("hunter2");
            expect(run.stdout).to.match(/: \d+ resources checked, 5 mandatory and \d+ advisory violation\(s\)\.\n$/);
        });
    });
});
