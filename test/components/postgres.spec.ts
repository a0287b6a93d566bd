import { expect } from "chai";
import { DEFAULT_TIERS, resolveTierSpec } from "../../components/tiers";
import { installMocks, resourceNamed, settled, unwrap } from "../support/pulumiMocks";

describe("Postgres", () => {
    let inputs: Record<string, any>;
    before(async () => {
        await installMocks();
        const { Postgres } = await import("../../components/postgres");
        new Postgres("t-pg", {
            serviceName: "t-pg",
            image: "postgres:15.10-bookworm",
            resources: resolveTierSpec("high", DEFAULT_TIERS.high, "tiers.high"),
            password: "pg-password-value",
            networks: ["net-id"],
            constraints: ["node.role==manager", "node.labels.ssd==true"],
        });
        await settled();
        inputs = resourceNamed("docker:index/service:Service", "t-pg-service").inputs;
    });

    it("applies pgtune settings for the 4 GiB high tier as postgres -c arguments", () => {
        const args: string[] = inputs.taskSpec.containerSpec.args;
        expect(args[0]).to.equal("postgres");
        for (const flag of [
            "shared_buffers=1GB",
            "effective_cache_size=3GB",
            "maintenance_work_mem=256MB",
            "wal_buffers=16MB",
            "checkpoint_completion_target=0.9",
            "random_page_cost=1.1",
            "effective_io_concurrency=200",
            "work_mem=5041kB",
            "max_connections=200",
        ]) {
            expect(args).to.include(flag);
            expect(args[args.indexOf(flag) - 1]).to.equal("-c");
        }
    });

    it("uses only environment variables the official image reads, with the password from a secret file", () => {
        expect(inputs.taskSpec.containerSpec.env).to.deep.equal({
            POSTGRES_USER: "sophia",
            POSTGRES_DB: "sophia_ai",
            POSTGRES_PASSWORD_FILE: "/run/secrets/postgres_password",
        });
        expect(
            Object.keys(inputs.taskSpec.containerSpec.env).filter((k) => /SHARED_BUFFERS|CACHE_SIZE|WORK_MEM/.test(k)),
        ).to.be.empty;
        expect(inputs.taskSpec.containerSpec.secrets[0]).to.include({
            fileName: "/run/secrets/postgres_password",
            fileUid: "999",
            fileMode: 0o400,
        });
        const secret = resourceNamed("docker:index/secret:Secret", "t-pg-secret-password").inputs;
        expect(Buffer.from(unwrap(secret.data), "base64").toString()).to.equal("pg-password-value");
    });

    it("mounts a named data volume, a 256MiB /dev/shm tmpfs and a 1MiB tmpfs for the socket directory", () => {
        expect(inputs.taskSpec.containerSpec.mounts).to.deep.equal([
            { type: "volume", source: "t-pg-data", target: "/var/lib/postgresql/data", readOnly: false },
            { type: "tmpfs", target: "/dev/shm", readOnly: false, tmpfsOptions: { sizeBytes: 268435456 } },
            { type: "tmpfs", target: "/var/run/postgresql", readOnly: false, tmpfsOptions: { sizeBytes: 1048576 } },
        ]);
        expect(resourceNamed("docker:index/volume:Volume", "t-pg-data").inputs.name).to.equal("t-pg-data");
    });

    it("runs as postgres (999:999) on a read-only root filesystem with every capability dropped", () => {
        const cs = inputs.taskSpec.containerSpec;
        expect(cs).to.include({ user: "999:999", readOnly: true });
        expect(cs.capDrops).to.deep.equal(["ALL"]);
        expect(cs.capAdds).to.equal(undefined);
        // The postmaster reaps its own children.
        expect(cs.init).to.equal(undefined);
    });

    it("checks health with pg_isready and updates stop-first", () => {
        expect(inputs.taskSpec.containerSpec.healthcheck).to.include({
            interval: "30s",
            startPeriod: "1m",
            retries: 3,
        });
        expect(inputs.taskSpec.containerSpec.healthcheck.tests).to.deep.equal([
            "CMD-SHELL",
            "pg_isready -U sophia -d sophia_ai -h 127.0.0.1",
        ]);
        expect(inputs.updateConfig).to.include({ order: "stop-first", failureAction: "rollback", monitor: "2m30s" });
        expect(inputs.taskSpec.placement.constraints).to.deep.equal(["node.role==manager", "node.labels.ssd==true"]);
    });
});
