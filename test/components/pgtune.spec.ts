import { expect } from "chai";
import { pgSettingsToArgs, pgShmBytes, pgTune } from "../../components/pgtune";

const GiB = 1024 ** 3;

describe("pgtune", () => {
    it("matches pgtune for 4 GiB / 4 CPUs (web, SSD)", () => {
        const s = pgTune({ memoryBytes: 4 * GiB, cpus: 4 });
        expect(s).to.include({
            shared_buffers: "1GB",
            effective_cache_size: "3GB",
            maintenance_work_mem: "256MB",
            wal_buffers: "16MB",
            checkpoint_completion_target: "0.9",
            random_page_cost: "1.1",
            effective_io_concurrency: "200",
            default_statistics_target: "100",
            work_mem: "5140kB",
            huge_pages: "off",
            max_connections: "200",
            max_worker_processes: "4",
            max_parallel_workers_per_gather: "2",
        });
    });

    it("uses the default 8 worker processes below 4 CPUs (the high tier: 2 CPUs / 4 GiB)", () => {
        const s = pgTune({ memoryBytes: 4 * GiB, cpus: 2 });
        expect(s.shared_buffers).to.equal("1GB");
        expect(s.work_mem).to.equal("5041kB"); // (4GB - 1GB) / ((200 + 8) * 3)
        expect(s).to.not.have.property("max_worker_processes");
    });

    it("derives work_mem from max_connections", () => {
        expect(pgTune({ memoryBytes: 4 * GiB, cpus: 2, maxConnections: 100 }).work_mem).to.equal("9709kB");
    });

    it("scales for 2 GiB", () => {
        expect(pgTune({ memoryBytes: 2 * GiB, cpus: 1 })).to.include({
            shared_buffers: "512MB",
            effective_cache_size: "1536MB",
            maintenance_work_mem: "128MB",
            wal_buffers: "16MB",
            work_mem: "2520kB",
            huge_pages: "off",
        });
    });

    it("scales for 8 GiB / 8 CPUs and turns huge pages to try", () => {
        expect(pgTune({ memoryBytes: 8 * GiB, cpus: 8 })).to.include({
            shared_buffers: "2GB",
            effective_cache_size: "6GB",
            maintenance_work_mem: "512MB",
            work_mem: "10082kB",
            huge_pages: "try",
            max_parallel_workers: "8",
            max_parallel_workers_per_gather: "4",
        });
    });

    it("follows the storage class", () => {
        expect(pgTune({ memoryBytes: 4 * GiB, cpus: 2, storage: "hdd" })).to.include({
            random_page_cost: "4",
            effective_io_concurrency: "2",
        });
    });

    it("passes settings as postgres -c arguments", () => {
        expect(pgSettingsToArgs({ shared_buffers: "1GB", work_mem: "4MB" })).to.deep.equal([
            "postgres",
            "-c",
            "shared_buffers=1GB",
            "-c",
            "work_mem=4MB",
        ]);
    });

    it("sizes /dev/shm at 1/16 of memory within 64MiB..1GiB", () => {
        expect(pgShmBytes(4 * GiB)).to.equal(256 * 1024 ** 2);
        expect(pgShmBytes(512 * 1024 ** 2)).to.equal(64 * 1024 ** 2);
        expect(pgShmBytes(64 * GiB)).to.equal(GiB);
    });
});
