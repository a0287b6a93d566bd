/** Byte sizes and CPU counts as Docker and the config file express them. */

export { cpusToNano, GiB, KiB, MiB, parseBytes } from "../policies/lib/rules/units";
import { GiB, KiB, MiB } from "../policies/lib/rules/units";

/** Formats bytes the way Postgres and pgtune write sizes: whole GB, else whole MB, else kB. */
export function formatPgSize(bytes: number): string {
    if (bytes % GiB === 0) {
        return `${bytes / GiB}GB`;
    }
    if (bytes % MiB === 0) {
        return `${bytes / MiB}MB`;
    }
    return `${Math.floor(bytes / KiB)}kB`;
}

/** Formats bytes for Redis' `maxmemory`: whole gb, else whole mb (rounded down, so never above the computed value). */
export function formatRedisSize(bytes: number): string {
    if (bytes % GiB === 0) {
        return `${bytes / GiB}gb`;
    }
    return `${Math.floor(bytes / MiB)}mb`;
}
