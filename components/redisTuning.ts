import { formatRedisSize, MiB } from "./units";

export { REDIS_MAX_SHARE, redisMaxmemoryFits } from "../policies/lib/rules/redisShare";

/** Default share used when the stack does not set `maxmemory` explicitly. */
export const REDIS_DEFAULT_SHARE = 0.6;

/** Default `maxmemory` for a memory limit: 60% of it, rounded down to whole MiB. */
export function defaultRedisMaxmemory(limitBytes: number): number {
    return Math.floor((limitBytes * REDIS_DEFAULT_SHARE) / MiB) * MiB;
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
