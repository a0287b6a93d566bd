/** Service configuration from the environment, validated with zod; errors name the variable and the fix. */
import { z } from "zod";
import { OVERLAY_PROBE_ENV as ENV, OVERLAY_PROBE_PORTS } from "./contract";
import { ConfigError } from "./errors";
import { MAX_PAYLOAD_BYTES } from "./protocol";

/** Everything main.ts needs. */
export interface Config {
    readonly network: string;
    readonly node: string;
    readonly peers: string;
    readonly fullBytes: number;
    readonly plannedMtu: number;
    readonly intervalMs: number;
    readonly timeoutMs: number;
    readonly httpPort: number;
    readonly probePort: number;
    readonly logLevel: "debug" | "info" | "warn" | "error";
}

const int = (min: number, max: number, fix: string) =>
    z
        .string()
        .regex(/^\d+$/, { error: `must be a whole number; ${fix}` })
        .transform(Number)
        .pipe(
            z
                .number()
                .min(min, { error: `must be at least ${min}; ${fix}` })
                .max(max, { error: `must be at most ${max}; ${fix}` }),
        );

const LABEL = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

const schema = z.object({
    [ENV.network]: z.string({ error: "is not set; set it to the overlay network's name" }).regex(LABEL, {
        error: "must be a Docker network name (letters, digits, '_', '.', '-')",
    }),
    [ENV.node]: z
        .string({ error: "is not set; set it to the Swarm node id ({{.Node.ID}} in the service spec)" })
        .regex(LABEL, {
            error: "must be a node id or hostname (letters, digits, '_', '.', '-')",
        }),
    [ENV.peers]: z
        .string({ error: "is not set; set it to tasks.<service> or a comma-separated list of IPv4 addresses" })
        .min(1, { error: "is empty; set it to tasks.<service> or a comma-separated list of IPv4 addresses" }),
    [ENV.fullBytes]: int(
        1,
        MAX_PAYLOAD_BYTES,
        "set it to the network's container MTU (underlay MTU - 50, - 76 when encrypted)",
    ).default(1450),
    [ENV.plannedMtu]: int(576, 65535, "set it to the network's planned underlay MTU").default(1500),
    [ENV.intervalMs]: int(1000, 3_600_000, "the default is 15000").default(15000),
    [ENV.timeoutMs]: int(100, 60_000, "the default is 5000").default(5000),
    [ENV.httpPort]: int(1, 65535, `the default is ${OVERLAY_PROBE_PORTS.http}`).default(OVERLAY_PROBE_PORTS.http),
    [ENV.probePort]: int(1, 65535, `the default is ${OVERLAY_PROBE_PORTS.probe}`).default(OVERLAY_PROBE_PORTS.probe),
    [ENV.logLevel]: z
        .enum(["debug", "info", "warn", "error"], { error: "must be one of debug, info, warn, error" })
        .default("info"),
});

/** Reads and validates the environment; throws ConfigError naming the first bad variable. Never echoes values. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
    // Empty strings count as unset, so a blank variable takes the default instead of failing as "not a number".
    const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
    const parsed = schema.safeParse(present, { reportInput: false });
    if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new ConfigError(`${String(issue.path[0])} ${issue.message}.`);
    }
    const v = parsed.data;
    const config: Config = {
        network: v[ENV.network],
        node: v[ENV.node],
        peers: v[ENV.peers],
        fullBytes: v[ENV.fullBytes],
        plannedMtu: v[ENV.plannedMtu],
        intervalMs: v[ENV.intervalMs],
        timeoutMs: v[ENV.timeoutMs],
        httpPort: v[ENV.httpPort],
        probePort: v[ENV.probePort],
        logLevel: v[ENV.logLevel],
    };
    if (config.timeoutMs * 2 > config.intervalMs) {
        throw new ConfigError(
            `${ENV.timeoutMs} must be at most half of ${ENV.intervalMs} (a round runs a small and a full-size probe per peer); lower the timeout or raise the interval.`,
        );
    }
    return config;
}
