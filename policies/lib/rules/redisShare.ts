/**
 * The Redis share rule: how much of its container's memory limit Redis' dataset (`maxmemory`) may take. Fork
 * copy-on-write, AOF rewrite and client buffers live outside `maxmemory`, so the rest is headroom. The stack config,
 * the Redis component and the pack's Redis memory policy all judge with this module.
 */

/** Largest share of the container's memory limit `maxmemory` may take. */
export const REDIS_MAX_SHARE = 2 / 3;

/** True when `maxmemory` leaves the required headroom under the limit (at most `share` of it; 2/3 by default). */
export function redisMaxmemoryFits(maxmemoryBytes: number, limitBytes: number, share = REDIS_MAX_SHARE): boolean {
    // A one-part-per-trillion tolerance keeps an exact 2/3 (4GiB of a 6GiB limit) from failing on float rounding.
    return maxmemoryBytes <= limitBytes * share * (1 + 1e-12);
}
