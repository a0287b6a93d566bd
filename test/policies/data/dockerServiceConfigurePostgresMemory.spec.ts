import { dockerServiceConfigurePostgresMemory as policy } from "../../../policies/data/dockerServiceConfigurePostgresMemory";
import { appService, postgresService, SERVICE } from "../fixtures";
import { assertMetadata, assertNoViolations, assertViolations, resourceArgs } from "../util";

const withSetting = (name: string, value: string) => {
    const svc = postgresService();
    svc.taskSpec.containerSpec.args = [...svc.taskSpec.containerSpec.args, "-c", `${name}=${value}`];
    return svc;
};

describe("docker-service-configure-postgres-memory", () => {
    it("has the pack's metadata", () =>
        assertMetadata(policy, "docker-service-configure-postgres-memory", "mandatory"));

    it("passes Postgres tuned by pgTune with a /dev/shm tmpfs", async () => {
        await assertNoViolations(policy, resourceArgs(policy, SERVICE, postgresService()));
    });

    it("fails Postgres without a /dev/shm tmpfs", async () => {
        const svc = postgresService();
        svc.taskSpec.containerSpec.mounts = svc.taskSpec.containerSpec.mounts.filter((m: any) => m.type !== "tmpfs");
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, svc),
            'Postgres service "postgres" must mount a tmpfs at /dev/shm (Docker\'s 64MB default breaks parallel queries).',
        );
    });

    it("fails shared_buffers above 40% of the limit (the last -c wins, as in postgres)", async () => {
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, withSetting("shared_buffers", "2GB")),
            'Postgres service "postgres" must keep shared_buffers at or below 40% of its memory limit (1.6GiB of 4GiB), got "2GB".',
        );
    });

    it("reads a bare shared_buffers as 8kB pages", async () => {
        await assertNoViolations(policy, resourceArgs(policy, SERVICE, withSetting("shared_buffers", "131072"))); // 1GB
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, withSetting("shared_buffers", "262144")), // 2GB
            'Postgres service "postgres" must keep shared_buffers at or below 40% of its memory limit (1.6GiB of 4GiB), got "262144".',
        );
    });

    it("fails effective_cache_size above the memory limit", async () => {
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, withSetting("effective_cache_size", "12GB")),
            'Postgres service "postgres" must keep effective_cache_size at or below its memory limit (4GiB of 4GiB), got "12GB".',
        );
    });

    it("fails an unreadable size", async () => {
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, withSetting("shared_buffers", "1 gigabyte")),
            'Postgres service "postgres" must keep shared_buffers at or below 40% of its memory limit (1.6GiB of 4GiB), got "1 gigabyte".',
        );
    });

    it("fails Postgres without a memory limit", async () => {
        const svc = postgresService();
        delete svc.taskSpec.resources.limits;
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, svc),
            'Postgres service "postgres" must have a memory limit (taskSpec.resources.limits.memoryBytes) for its tuning to be checked against.',
        );
    });

    it("ignores services that are not Postgres (e.g. postgres-exporter)", async () => {
        const svc = appService();
        svc.taskSpec.containerSpec.image = "prometheuscommunity/postgres-exporter:v0.15.0";
        await assertNoViolations(policy, resourceArgs(policy, SERVICE, svc));
    });

    it("takes the shared_buffers share from config", async () => {
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, postgresService(), { config: { maxSharedBuffersShare: 0.2 } }),
            'Postgres service "postgres" must keep shared_buffers at or below 20% of its memory limit (819.2MiB of 4GiB), got "1GB".',
        );
    });
});
