import pino from "pino";
import { collectDefaultMetrics, Registry } from "prom-client";
import { createApp } from "./app";
import { loadConfig } from "./config";
import { ConfigError } from "./errors";
import { createRedisClient } from "./redis";

/** Composition root: the only place that reads the environment, creates the Redis client, listens and handles signals. */
async function main(): Promise<void> {
    let config;
    try {
        config = loadConfig(process.env);
    } catch (err) {
        if (err instanceof ConfigError) {
            process.stderr.write(`chat-cache: invalid configuration: ${err.message}\n`);
            process.exit(2);
        }
        throw err;
    }
    const logger = pino({
        level: config.logLevel,
        base: { service: "chat-cache" },
        redact: ["req.headers.authorization", "headers.authorization", "authorization"],
    });
    const redis = createRedisClient(config);
    let redisErrorLogged = false;
    redis.on("error", (err: Error) => {
        if (!redisErrorLogged) logger.warn({ err: err.message }, "redis unavailable; serving without the shared cache");
        redisErrorLogged = true;
    });
    redis.on("ready", () => {
        redisErrorLogged = false;
        logger.info("redis connected");
    });
    redis.connect().catch(() => undefined);
    // Pub/sub needs its own connection; it carries the cross-replica coalescing messages only.
    const subscriber = createRedisClient(config);
    subscriber.on("error", () => undefined);
    subscriber.connect().catch(() => undefined);

    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const app = createApp({ config, redis, subscriber, logger, registry });
    await new Promise<void>((resolve) => app.server.listen(config.port, config.host, resolve));
    const addr = app.server.address();
    logger.info(
        {
            port: typeof addr === "object" && addr ? addr.port : config.port,
            upstream: new URL(config.upstreamBaseUrl).host,
        },
        "chat-cache listening",
    );

    let stopping = false;
    const shutdown = async (signal: string) => {
        if (stopping) {
            logger.warn({ signal }, "second signal: exiting now");
            process.exit(1);
        }
        stopping = true;
        logger.info({ signal }, "shutting down: draining in-flight requests");
        const force = setTimeout(() => {
            logger.error("shutdown took too long; exiting");
            process.exit(1);
        }, config.shutdownGraceMs + 5000);
        force.unref();
        try {
            await app.close(config.shutdownGraceMs);
            await redis.quit().catch(() => redis.disconnect());
            await subscriber.quit().catch(() => subscriber.disconnect());
            logger.info("shutdown complete");
            process.exit(typeof process.exitCode === "number" ? process.exitCode : 0);
        } catch (err) {
            logger.error({ err: (err as Error).message }, "shutdown failed");
            process.exit(1);
        }
    };
    process.on("SIGTERM", () => void shutdown("SIGTERM"));
    process.on("SIGINT", () => void shutdown("SIGINT"));
    // A bug must not leave a half-working process behind: log it and drain like a SIGTERM, exiting non-zero.
    const fatal = (kind: string) => (err: unknown) => {
        logger.fatal({ err: (err as Error)?.message, stack: (err as Error)?.stack }, kind);
        process.exitCode = 1;
        void shutdown(kind).finally(() => process.exit(1));
    };
    process.on("uncaughtException", fatal("uncaughtException"));
    process.on("unhandledRejection", fatal("unhandledRejection"));
}

void main();
