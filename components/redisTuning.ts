import { formatRedisSize, MiB } from "./units";

/** Largest share of the container's memory limit Redis' dataset may take: fork copy-on-write, AOF rewrite and client
 * buffers live outside `maxmemory`, so the rest is headroom. */
export const REDIS_MAX_SHARE = 2 / 3;

/** Default share used when the stack does not set `maxmemory` explicitly. */
export const REDIS_DEFAULT_SHARE = 0.6;

/** Default `maxmemory` for a memory limit: 60% of it, rounded down to whole MiB. */
export function defaultRedisMaxmemory(limitBytes: number): number {
    return Math.floor((limitBytes * REDIS_DEFAULT_SHARE) / MiB) * MiB;
}

/** True when `maxmemory` leaves the required headroom under the limit (at most 2/3 of it). */
export function redisMaxmemoryFits(maxmemoryBytes: number, limitBytes: number): boolean {
    return maxmemoryBytes * 3 <= limitBytes * 2;
}

/** Arguments for `redis-server`, after the config file that carries the password. */
export function redisServerArgs(opts: { maxmemoryBytes: number; policy: string; appendonly: boolean }): string[] {
    return [
        "--maxmemory",
        formatRedisSize(opts.maxmemoryBytes),
        "--maxmemory-policy",
        opts.policy,
        "--appendonly",
        opts.appendonly ? "yes" : "no",
        "--appendfsync",
        "everysec",
        "--tcp-keepalive",
        "60",
        "--tcp-backlog",
        "511",
        "--dir",
        "/data",
    ];
}
