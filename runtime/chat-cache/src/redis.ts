import { Redis } from "ioredis";
import type { Config } from "./config";

/**
 * Creates the ioredis client for fail-open caching: no offline queue (commands fail at once while disconnected),
 * a short command timeout, one retry, lazy connect (start does not depend on Redis) and quick reconnects so hits
 * resume within seconds after Redis returns. The caller owns (and closes) the client.
 */
export function createRedisClient(config: Pick<Config, "redisUrl" | "redisCommandTimeoutMs" | "redisPassword">): Redis {
    const redis = new Redis(config.redisUrl, {
        ...(config.redisPassword !== undefined ? { password: config.redisPassword } : {}),
        enableOfflineQueue: false,
        lazyConnect: true,
        commandTimeout: config.redisCommandTimeoutMs,
        maxRetriesPerRequest: 1,
        connectTimeout: 2000,
        retryStrategy: (times) => Math.min(times * 100, 1000),
    });
    return redis;
}
