import { formatPgSize, GiB, KiB, MiB } from "./units";

/** Inputs to the pgtune formulas (le0pard/pgtune, "web" workload on SSD). */
export interface PgTuneInput {
    /** Memory the server may use: the service's memory limit, in bytes. */
    readonly memoryBytes: number;
    /** CPUs the server may use: the service's CPU limit. */
    readonly cpus: number;
    /** Maximum client connections. Defaults to 200 (pgtune's value for web applications). */
    readonly maxConnections?: number;
    /** Storage class. Defaults to "ssd". */
    readonly storage?: "ssd" | "hdd" | "san";
}

/** The tuned settings, as `name -> value` in the order they are passed to `postgres -c`. */
export type PgSettings = Record<string, string>;

const IO_CONCURRENCY = { ssd: 200, hdd: 2, san: 300 } as const;
const RANDOM_PAGE_COST = { ssd: 1.1, hdd: 4, san: 1.1 } as const;

/**
 * Computes Postgres settings from the container's memory and CPU limits with pgtune's formulas, so that tuning
 * follows the tier instead of being typed by hand (4 GiB -> shared_buffers 1GB, effective_cache_size 3GB,
 * maintenance_work_mem 256MB, wal_buffers 16MB, ...).
 */
export function pgTune(input: PgTuneInput): PgSettings {
    const memKb = Math.floor(input.memoryBytes / KiB);
    const maxConnections = input.maxConnections ?? 200;
    const storage = input.storage ?? "ssd";
    const cpus = Math.floor(input.cpus);

    const sharedBuffersKb = Math.floor(memKb / 4);
    const effectiveCacheKb = Math.floor((memKb * 3) / 4);
    // pgtune caps maintenance_work_mem at 2GB.
    const maintenanceKb = Math.min(Math.floor(memKb / 16), (2 * GiB) / KiB);

    // wal_buffers: 3% of shared_buffers, capped at one WAL segment (16MB); values just under it round up to it.
    const walMaxKb = (16 * MiB) / KiB;
    let walBuffersKb = Math.floor((3 * sharedBuffersKb) / 100);
    if (walBuffersKb > walMaxKb || walBuffersKb > (14 * MiB) / KiB) {
        walBuffersKb = walMaxKb;
    }
    walBuffersKb = Math.max(walBuffersKb, 32);

    // Postgres' default max_worker_processes is 8; pgtune sets it to the CPU count from 4 CPUs on.
    const workerProcesses = cpus >= 4 ? cpus : 8;
    const workMemKb = Math.max(Math.floor((memKb - sharedBuffersKb) / ((maxConnections + workerProcesses) * 3)), 64);

    const settings: PgSettings = {
        max_connections: String(maxConnections),
        shared_buffers: formatPgSize(sharedBuffersKb * KiB),
        effective_cache_size: formatPgSize(effectiveCacheKb * KiB),
        maintenance_work_mem: formatPgSize(maintenanceKb * KiB),
        checkpoint_completion_target: "0.9",
        wal_buffers: formatPgSize(walBuffersKb * KiB),
        default_statistics_target: "100",
        random_page_cost: String(RANDOM_PAGE_COST[storage]),
        effective_io_concurrency: String(IO_CONCURRENCY[storage]),
        work_mem: formatPgSize(workMemKb * KiB),
        huge_pages: sharedBuffersKb * KiB >= 2 * GiB ? "try" : "off",
        min_wal_size: "1GB",
        max_wal_size: "4GB",
    };
    if (cpus >= 4) {
        const half = Math.min(Math.ceil(cpus / 2), 4);
        settings.max_worker_processes = String(cpus);
        settings.max_parallel_workers_per_gather = String(half);
        settings.max_parallel_workers = String(cpus);
        settings.max_parallel_maintenance_workers = String(half);
    }
    return settings;
}

/** Turns settings into `postgres -c k=v ...` arguments for the official image's entrypoint. */
export function pgSettingsToArgs(settings: PgSettings): string[] {
    return ["postgres", ...Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`])];
}

/**
 * Size of the `/dev/shm` tmpfs for Postgres' dynamic shared memory (parallel query). Docker's 64MB default fails
 * with "could not resize shared memory segment"; 1/16 of the memory limit (256MB at 4GiB) within 64MB..1GB.
 * The tmpfs counts against the container's memory limit.
 */
export function pgShmBytes(memoryBytes: number): number {
    const sixteenth = Math.floor(memoryBytes / 16 / MiB) * MiB;
    return Math.min(Math.max(sixteenth, 64 * MiB), GiB);
}
