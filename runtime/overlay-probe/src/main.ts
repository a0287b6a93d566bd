/** Composition root: the only file that reads the environment, listens and handles signals. */
import { Resolver } from "node:dns/promises";
import { collectDefaultMetrics, Registry } from "prom-client";
import { createApp } from "./app";
import { loadConfig } from "./config";
import { createDiscovery } from "./discovery";
import { ConfigError } from "./errors";
import { createLogger } from "./logger";
import { createMetrics } from "./metrics";
import { createProber } from "./prober";
import { createProbeServer } from "./protocol";

async function main(): Promise<void> {
    let config;
    try {
        config = loadConfig(process.env);
    } catch (err) {
        if (err instanceof ConfigError) {
            process.stderr.write(`overlay-probe: invalid configuration: ${err.message}\n`);
            process.exit(2);
        }
        throw err;
    }
    const logger = createLogger(config.logLevel, { service: "overlay-probe", network: config.network });
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const metrics = createMetrics(registry);

    const probeServer = createProbeServer(config.node);
    await new Promise<void>((resolve) => probeServer.listen(config.probePort, "0.0.0.0", resolve));
    const resolver = new Resolver({ timeout: 2000, tries: 2 });
    const prober = createProber({
        network: config.network,
        node: config.node,
        probePort: config.probePort,
        fullBytes: config.fullBytes,
        plannedMtu: config.plannedMtu,
        intervalMs: config.intervalMs,
        timeoutMs: config.timeoutMs,
        discover: createDiscovery(config.peers, resolver),
        metrics,
        logger,
    });
    const app = createApp({ registry, logger, healthy: () => probeServer.listening && prober.ready });
    await new Promise<void>((resolve) => app.listen(config.httpPort, "0.0.0.0", resolve));
    prober.start();
    logger.info(
        { node: config.node, probePort: config.probePort, httpPort: config.httpPort, fullBytes: config.fullBytes },
        "overlay-probe running",
    );

    let stopping = false;
    const shutdown = async (signal: string) => {
        if (stopping) process.exit(1);
        stopping = true;
        logger.info({ signal }, "shutting down");
        setTimeout(() => process.exit(1), config.timeoutMs * 2 + 2000).unref();
        await prober.stop();
        probeServer.close();
        app.close();
        process.exit(0);
    };
    process.on("SIGTERM", () => void shutdown("SIGTERM"));
    process.on("SIGINT", () => void shutdown("SIGINT"));
    const fatal = (kind: string) => (err: unknown) => {
        logger.error({ err: (err as Error)?.message, kind }, "fatal error");
        process.exitCode = 1;
        void shutdown(kind).finally(() => process.exit(1));
    };
    process.on("uncaughtException", fatal("uncaughtException"));
    process.on("unhandledRejection", fatal("unhandledRejection"));
}

void main();
