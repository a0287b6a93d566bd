/**
 * Memory sizes as Redis and Postgres read them. components/units.ts parses Docker/config sizes (all binary); the
 * servers' own rules differ, and the policies must judge what the server will actually use.
 */

const REDIS_UNITS: Record<string, number> = {
    "": 1,
    b: 1,
    k: 1000,
    kb: 1024,
    m: 1000 ** 2,
    mb: 1024 ** 2,
    g: 1000 ** 3,
    gb: 1024 ** 3,
};

/** Parses a Redis memory value the way redis-server does (`1k` = 1000, `1kb` = 1024, case-insensitive). */
export function redisBytes(value: string): number | undefined {
    const m = /^(\d+)([a-zA-Z]*)$/.exec(value.trim());
    const unit = m ? REDIS_UNITS[m[2].toLowerCase()] : undefined;
    return m && unit !== undefined ? Number(m[1]) * unit : undefined;
}

const PG_UNITS: Record<string, number> = { B: 1, kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/**
 * Parses a Postgres memory setting (`1GB`, `256MB`, `512kB`). A bare number is in the setting's base unit
 * (8kB pages for shared_buffers and effective_cache_size, kB for work_mem), given as `baseUnitBytes`.
 */
export function pgBytes(value: string, baseUnitBytes: number): number | undefined {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(value);
    if (!m) {
        return undefined;
    }
    const unit = m[2] === "" ? baseUnitBytes : PG_UNITS[m[2]];
    return unit === undefined ? undefined : Math.floor(parseFloat(m[1]) * unit);
}

/** Base units of the Postgres memory settings the pack checks. */
export const PG_BASE_UNITS: Readonly<Record<string, number>> = {
    shared_buffers: 8192,
    effective_cache_size: 8192,
    wal_buffers: 8192,
    work_mem: 1024,
    maintenance_work_mem: 1024,
};

/** Formats bytes for messages with binary units ("4GiB", "1.6GiB", "512MiB", "100B"). */
export function formatBytes(bytes: number): string {
    const GiB = 1024 ** 3;
    const MiB = 1024 ** 2;
    if (bytes >= GiB && bytes % GiB === 0) {
        return `${bytes / GiB}GiB`;
    }
    if (bytes >= GiB) {
        return `${(bytes / GiB).toFixed(1)}GiB`;
    }
    if (bytes >= MiB && bytes % MiB === 0) {
        return `${bytes / MiB}MiB`;
    }
    if (bytes >= MiB) {
        return `${(bytes / MiB).toFixed(1)}MiB`;
    }
    return `${bytes}B`;
}
