import { validateMtu } from "./overlayNetwork";
import {
    GithubConfig,
    MonitoringConfig,
    parseGithub,
    parseMonitoring,
    parseRuntime,
    RuntimeConfig,
} from "./platformConfig";
import { redisMaxmemoryFits } from "./redisTuning";
import { durationMs } from "./swarmService";
import { DEFAULT_TIERS, ResolvedResources, resolveTierSpec, TIER_NAMES, TierName, TierSpec } from "./tiers";
import { parseBytes } from "./units";

/** The project name: config keys are `sophia-infra:<key>`. */
export const PROJECT = "sophia-infra";

/**
 * Secret config keys a stack with `secretsSource: esc` must receive (normally from its imported ESC environment).
 * The offline plan fills exactly these with marked placeholders when it cannot reach ESC.
 */
export const ESC_SECRET_KEYS = [
    "postgresPassword",
    "redisPassword",
    "grafanaAdminPassword",
    "syncHmacKey",
    "syncAdminToken",
    "githubToken",
    "pulumiAccessToken",
    "registryPassword",
    "slackWebhookUrl",
    "smtpPassword",
    "upstreamApiKey",
] as const;

/** Secret config key holding the tree of ESC values that GitHub secrets are set from (keys are the mapping's paths). */
export const GITHUB_SECRET_VALUES_KEY = "githubSecretValues";

/** A config error: names the key and says how to fix it. `pulumi preview` prints it without a stack trace. */
export class StackConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "StackConfigError";
    }
}

/** Raw config values as read from `pulumi.Config` (objects already JSON-parsed). Every key is optional here. */
export interface RawStackConfig {
    readonly environment?: unknown;
    readonly secretsSource?: unknown;
    readonly endpointMode?: unknown;
    readonly publishMode?: unknown;
    readonly tiers?: unknown;
    readonly networks?: unknown;
    readonly converge?: unknown;
    readonly services?: unknown;
    readonly redis?: unknown;
    readonly postgres?: unknown;
    readonly monitoring?: unknown;
    readonly runtime?: unknown;
    readonly github?: unknown;
}

/** A network as validated. */
export interface NetworkConfig {
    readonly name: string;
    readonly mtu: number;
    readonly encrypted: boolean;
    readonly internal: boolean;
}

/** A published port as validated. */
export interface PortConfig {
    readonly target: number;
    readonly published: number;
}

/** Placement and networking shared by every service entry. */
interface PlacedConfig {
    readonly image: string;
    readonly resources: ResolvedResources;
    readonly networks: string[];
    readonly constraints: string[];
    readonly publish: PortConfig[];
}

/** An application service from `sophia-infra:services`. */
export interface AppServiceConfig extends PlacedConfig {
    readonly name: string;
    readonly replicas: number;
    readonly port: number;
    readonly spreadOver: string[];
    readonly env: Record<string, string>;
    readonly gpus: number;
    readonly healthPath: string;
    readonly metricsPath?: string;
}

export interface RedisConfig extends PlacedConfig {
    readonly maxmemoryBytes?: number;
    readonly evictionPolicy: string;
}

export interface PostgresConfig extends PlacedConfig {
    readonly user: string;
    readonly database: string;
    readonly maxConnections: number;
    readonly storage: "ssd" | "hdd" | "san";
}

/** The whole validated stack configuration, in plain types the components take. */
export interface StackConfig {
    readonly environment: string;
    readonly secretsSource: "esc" | "generated";
    readonly endpointMode: "vip" | "dnsrr";
    readonly publishMode: "ingress" | "host";
    readonly tiers: Record<Exclude<TierName, "custom">, TierSpec>;
    /** The standard tiers (after overrides) in Docker units, for services that take a tier by name. */
    readonly resolvedTiers: Record<Exclude<TierName, "custom">, ResolvedResources>;
    readonly networks: NetworkConfig[];
    readonly converge: { delay: string; timeout: string } | false;
    readonly services: AppServiceConfig[];
    readonly redis: RedisConfig;
    readonly postgres: PostgresConfig;
    readonly monitoring: MonitoringConfig;
    readonly runtime: RuntimeConfig;
    readonly github: GithubConfig;
}

const key = (k: string) => `\`${PROJECT}:${k}\``;

function fail(k: string, problem: string, fix: string): never {
    throw new StackConfigError(`Config ${key(k)} ${problem}. ${fix}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function oneOf<T extends string>(k: string, v: unknown, allowed: readonly T[], dflt: T): T {
    if (v === undefined) {
        return dflt;
    }
    if (typeof v !== "string" || !allowed.includes(v as T)) {
        fail(k, `is ${JSON.stringify(v)}`, `Use one of: ${allowed.join(", ")}.`);
    }
    return v as T;
}

function str(k: string, v: unknown, dflt?: string): string {
    if (v === undefined && dflt !== undefined) {
        return dflt;
    }
    if (typeof v !== "string" || v.length === 0) {
        fail(k, v === undefined ? "is missing" : `is ${JSON.stringify(v)}`, "Set it to a non-empty string.");
    }
    return v;
}

function int(k: string, v: unknown, dflt: number | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number {
    if (v === undefined && dflt !== undefined) {
        return dflt;
    }
    const n = typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v;
    if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
        fail(
            k,
            v === undefined ? "is missing" : `is ${JSON.stringify(v)}`,
            `Set a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ""}.`,
        );
    }
    return n;
}

function strings(k: string, v: unknown): string[] {
    if (v === undefined) {
        return [];
    }
    if (!Array.isArray(v) || v.some((s) => typeof s !== "string")) {
        fail(k, `is ${JSON.stringify(v)}`, "Set it to a list of strings.");
    }
    return v as string[];
}

/**
 * @internal Exported for testing. Accepts `repo:tag` with an explicit version tag, or `repo@sha256:<digest>`;
 * rejects `:latest` and untagged images, which make every deploy a different, unreviewed image.
 */
export function validateImage(k: string, image: unknown): string {
    const ref = str(k, image);
    if (/@sha256:[a-f0-9]{64}$/.test(ref)) {
        return ref;
    }
    const lastSegment = ref.slice(ref.lastIndexOf("/") + 1);
    const colon = lastSegment.lastIndexOf(":");
    const tag = colon >= 0 ? lastSegment.slice(colon + 1) : "";
    if (!tag) {
        fail(
            k,
            `is ${JSON.stringify(ref)} with no tag`,
            'Pin an explicit version tag (e.g. "redis:7.2.5") or a digest ("repo@sha256:...").',
        );
    }
    if (tag === "latest") {
        fail(k, `is ${JSON.stringify(ref)}`, "Do not deploy `:latest`; pin an explicit version tag or a digest.");
    }
    return ref;
}

function parseTiers(raw: unknown): Record<Exclude<TierName, "custom">, TierSpec> {
    if (raw === undefined) {
        return { ...DEFAULT_TIERS };
    }
    if (!isObject(raw)) {
        fail("tiers", `is ${JSON.stringify(raw)}`, "Set it to a map of tier name to {limits, reservations}.");
    }
    const tiers = { ...DEFAULT_TIERS };
    for (const [name, spec] of Object.entries(raw)) {
        if (!(name in DEFAULT_TIERS)) {
            fail(
                `tiers.${name}`,
                "is not a tier that can be overridden",
                "Override high, medium or low; use `tier: custom` with `resources` on the service for other numbers.",
            );
        }
        try {
            resolveTierSpec(name as TierName, spec as TierSpec, `${PROJECT}:tiers.${name}`);
        } catch (e) {
            throw new StackConfigError(`Config ${(e as Error).message}`);
        }
        tiers[name as keyof typeof tiers] = spec as TierSpec;
    }
    return tiers;
}

/** Resolves a service's `tier` (and `resources` when the tier is custom) to Docker numbers. */
function resources(k: string, entry: Record<string, unknown>, tiers: StackConfig["tiers"]): ResolvedResources {
    const tier = entry.tier;
    if (typeof tier !== "string" || !TIER_NAMES.includes(tier as TierName)) {
        fail(
            `${k}.tier`,
            `is ${JSON.stringify(tier)}: unknown tier`,
            `Use one of: ${TIER_NAMES.join(", ")} (custom needs \`resources: {limits, reservations}\`).`,
        );
    }
    if (tier === "custom") {
        if (!isObject(entry.resources)) {
            fail(
                `${k}.resources`,
                "is missing for a custom tier",
                "Give `resources: {limits: {cpus, memory}, reservations: {cpus, memory}}`.",
            );
        }
        try {
            return resolveTierSpec("custom", entry.resources as unknown as TierSpec, `${PROJECT}:${k}.resources`);
        } catch (e) {
            throw new StackConfigError(`Config ${(e as Error).message}`);
        }
    }
    if (entry.resources !== undefined) {
        fail(
            `${k}.resources`,
            `is set but the tier is ${tier}`,
            "Set `tier: custom` to give per-service numbers, or remove `resources`.",
        );
    }
    return resolveTierSpec(tier as TierName, tiers[tier as keyof typeof tiers], `${PROJECT}:tiers.${tier}`);
}

function ports(k: string, raw: unknown): PortConfig[] {
    if (raw === undefined) {
        return [];
    }
    if (!Array.isArray(raw)) {
        fail(k, `is ${JSON.stringify(raw)}`, "Set it to a list of {target, published}.");
    }
    return raw.map((p, i) => {
        if (typeof p === "number") {
            return { target: int(`${k}[${i}]`, p, undefined, 1, 65535), published: p };
        }
        if (!isObject(p)) {
            fail(`${k}[${i}]`, `is ${JSON.stringify(p)}`, "Use a port number or {target, published}.");
        }
        return {
            target: int(`${k}[${i}].target`, p.target, undefined, 1, 65535),
            published: int(`${k}[${i}].published`, p.published, undefined, 1, 65535),
        };
    });
}

function placed(
    k: string,
    entry: Record<string, unknown>,
    tiers: StackConfig["tiers"],
    networkNames: Set<string>,
    dfltImage?: string,
): PlacedConfig {
    const nets =
        entry.networks === undefined ? [...networkNames].slice(0, 1) : strings(`${k}.networks`, entry.networks);
    nets.forEach((n, i) => {
        if (!networkNames.has(n)) {
            fail(
                `${k}.networks[${i}]`,
                `names ${JSON.stringify(n)}, which is not in ${key("networks")}`,
                `Use one of: ${[...networkNames].join(", ")}.`,
            );
        }
    });
    if (nets.length === 0) {
        fail(`${k}.networks`, "is empty", "Attach the service to at least one overlay network of the stack.");
    }
    return {
        image: validateImage(`${k}.image`, entry.image ?? dfltImage),
        resources: resources(k, entry, tiers),
        networks: nets,
        constraints: strings(`${k}.constraints`, entry.constraints),
        publish: ports(`${k}.publish`, entry.publish),
    };
}

function parseNetworks(raw: unknown): NetworkConfig[] {
    const list = raw ?? [{ name: "sophia-overlay", mtu: 1500 }];
    if (!Array.isArray(list) || list.length === 0) {
        fail("networks", `is ${JSON.stringify(raw)}`, "Set a non-empty list of {name, mtu, encrypted?, internal?}.");
    }
    const seen = new Set<string>();
    return list.map((n, i) => {
        const k = `networks[${i}]`;
        if (!isObject(n)) {
            fail(k, `is ${JSON.stringify(n)}`, "Use {name, mtu, encrypted?, internal?}.");
        }
        const name = str(`${k}.name`, n.name);
        if (seen.has(name)) {
            fail(`${k}.name`, `repeats ${JSON.stringify(name)}`, "Give every network a distinct name.");
        }
        seen.add(name);
        const mtu = int(`${k}.mtu`, n.mtu, 1500, 0);
        try {
            validateMtu(mtu, `${PROJECT}:${k}.mtu`);
        } catch (e) {
            throw new StackConfigError(`Config ${(e as Error).message}`);
        }
        if (n.encrypted !== undefined && typeof n.encrypted !== "boolean") {
            fail(`${k}.encrypted`, `is ${JSON.stringify(n.encrypted)}`, "Use true or false.");
        }
        return { name, mtu, encrypted: n.encrypted !== false, internal: n.internal === true };
    });
}

function parseConverge(raw: unknown): StackConfig["converge"] {
    if (raw === undefined) {
        return { delay: "7s", timeout: "3m" };
    }
    if (raw === false || raw === "false") {
        return false;
    }
    if (!isObject(raw)) {
        fail("converge", `is ${JSON.stringify(raw)}`, "Use {delay, timeout} (e.g. {delay: 7s, timeout: 3m}) or false.");
    }
    const delay = str("converge.delay", raw.delay, "7s");
    const timeout = str("converge.timeout", raw.timeout, "3m");
    for (const [k, v] of [
        ["converge.delay", delay],
        ["converge.timeout", timeout],
    ]) {
        if (durationMs(v) === undefined) {
            fail(k, `is ${JSON.stringify(v)}`, 'Use a duration such as "7s" or "3m".');
        }
    }
    return { delay, timeout };
}

function parseServices(raw: unknown, tiers: StackConfig["tiers"], networkNames: Set<string>): AppServiceConfig[] {
    if (raw === undefined) {
        return [];
    }
    if (!Array.isArray(raw)) {
        fail("services", `is ${JSON.stringify(raw)}`, "Set it to a list of service entries.");
    }
    const names = new Set<string>();
    return raw.map((entry, i) => {
        const k = `services[${i}]`;
        if (!isObject(entry)) {
            fail(k, `is ${JSON.stringify(entry)}`, "Use {name, image, tier, replicas, port, ...}.");
        }
        const name = str(`${k}.name`, entry.name);
        if (names.has(name)) {
            fail(
                `${k}.name`,
                `repeats ${JSON.stringify(name)}`,
                "Service names are DNS names on the overlay; make them unique.",
            );
        }
        names.add(name);
        const base = placed(k, entry, tiers, networkNames);
        const gpus = int(`${k}.gpus`, entry.gpus, 0, 0, 64);
        if (gpus > 0 && !base.constraints.some((c) => c.replace(/\s/g, "") === "node.labels.gpu==true")) {
            fail(
                `${k}.constraints`,
                `has no GPU placement constraint although \`gpus\` is ${gpus}`,
                'Add "node.labels.gpu==true" so tasks only land on nodes that have GPUs.',
            );
        }
        const env = entry.env === undefined ? {} : entry.env;
        if (!isObject(env) || Object.values(env).some((v) => typeof v !== "string")) {
            fail(`${k}.env`, `is ${JSON.stringify(env)}`, "Use a map of NAME to string value (quote numbers).");
        }
        for (const envName of Object.keys(env)) {
            if (/(PASSWORD|SECRET|TOKEN|API_KEY|PRIVATE_KEY|CREDENTIALS)/i.test(envName)) {
                fail(
                    `${k}.env.${envName}`,
                    "looks like a secret in a plain environment variable",
                    "Deliver secrets as Docker secret files (from ESC), not as env values.",
                );
            }
        }
        const metricsPath = entry.metricsPath === undefined ? undefined : str(`${k}.metricsPath`, entry.metricsPath);
        return {
            ...base,
            name,
            replicas: int(`${k}.replicas`, entry.replicas, 1, 1),
            port: int(`${k}.port`, entry.port, undefined, 1, 65535),
            spreadOver: strings(`${k}.spreadOver`, entry.spreadOver),
            env: env as Record<string, string>,
            gpus,
            healthPath: str(`${k}.healthPath`, entry.healthPath, "/health"),
            metricsPath,
        };
    });
}

function parseRedis(raw: unknown, tiers: StackConfig["tiers"], networkNames: Set<string>): RedisConfig {
    const entry = raw === undefined ? {} : raw;
    if (!isObject(entry)) {
        fail("redis", `is ${JSON.stringify(raw)}`, "Use {image, tier, maxmemory, ...}.");
    }
    const base = placed("redis", { tier: "medium", ...entry }, tiers, networkNames, "redis:7.2.5-bookworm");
    let maxmemoryBytes: number | undefined;
    if (entry.maxmemory !== undefined) {
        maxmemoryBytes = parseBytes(entry.maxmemory as string);
        if (maxmemoryBytes === undefined) {
            fail("redis.maxmemory", `is ${JSON.stringify(entry.maxmemory)}`, 'Use a size such as "4gb" or "512mb".');
        }
        const limit = base.resources.limits.memoryBytes;
        if (maxmemoryBytes >= limit) {
            fail(
                "redis.maxmemory",
                `(${entry.maxmemory}) is not below the memory limit (${limit} bytes)`,
                "Keep maxmemory at most 2/3 of the limit: lower maxmemory or raise the tier's memory limit.",
            );
        }
        if (!redisMaxmemoryFits(maxmemoryBytes, limit)) {
            fail(
                "redis.maxmemory",
                `(${entry.maxmemory}) is above 2/3 of the memory limit (${limit} bytes)`,
                "Leave headroom for fork copy-on-write and buffers: lower maxmemory or raise the memory limit.",
            );
        }
    }
    return {
        ...base,
        maxmemoryBytes,
        evictionPolicy: oneOf(
            "redis.evictionPolicy",
            entry.evictionPolicy,
            [
                "allkeys-lru",
                "allkeys-lfu",
                "volatile-lru",
                "volatile-lfu",
                "allkeys-random",
                "volatile-random",
                "volatile-ttl",
            ],
            "allkeys-lru",
        ),
    };
}

function parsePostgres(raw: unknown, tiers: StackConfig["tiers"], networkNames: Set<string>): PostgresConfig {
    const entry = raw === undefined ? {} : raw;
    if (!isObject(entry)) {
        fail("postgres", `is ${JSON.stringify(raw)}`, "Use {image, tier, user, database, ...}.");
    }
    const base = placed("postgres", { tier: "high", ...entry }, tiers, networkNames, "postgres:15.10-bookworm");
    if (base.resources.limits.memoryBytes < 256 * 1024 * 1024) {
        fail(
            "postgres.tier",
            "gives Postgres less than 256MiB",
            "pgtune's formulas are not meaningful below 256MiB; use a larger tier.",
        );
    }
    return {
        ...base,
        user: str("postgres.user", entry.user, "sophia"),
        database: str("postgres.database", entry.database, "sophia_ai"),
        maxConnections: int("postgres.maxConnections", entry.maxConnections, 200, 10, 5000),
        storage: oneOf("postgres.storage", entry.storage, ["ssd", "hdd", "san"], "ssd"),
    };
}

/** Checks that no two services publish the same port (Swarm would refuse the second one at deploy time). */
export function assertUniquePublishedPorts(published: { key: string; port: number }[]): void {
    const byPort = new Map<number, string>();
    for (const { key: k, port } of published) {
        const other = byPort.get(port);
        if (other !== undefined) {
            fail(
                k,
                `publishes port ${port}, which ${key(other)} already publishes`,
                "Give each published port to one service only.",
            );
        }
        byPort.set(port, k);
    }
}

/**
 * Validates the raw stack configuration and returns plain typed args for the components. Every error names the
 * config key (`sophia-infra:<key>`) and the fix.
 */
export function parseStackConfig(raw: RawStackConfig): StackConfig {
    const tiers = parseTiers(raw.tiers);
    const networks = parseNetworks(raw.networks);
    const networkNames = new Set(networks.map((n) => n.name));
    const services = parseServices(raw.services, tiers, networkNames);
    const redis = parseRedis(raw.redis, tiers, networkNames);
    const postgres = parsePostgres(raw.postgres, tiers, networkNames);
    const { monitoring, runtime, github } = wrapErrors(() => ({
        monitoring: parseMonitoring(fail, raw.monitoring),
        runtime: parseRuntime(fail, raw.runtime, tiers, validateImage),
        github: parseGithub(fail, raw.github),
    }));
    const list = (k: string, ports: PortConfig[]) =>
        ports.map((p, i) => ({ key: `${k}.publish[${i}]`, port: p.published }));
    const one = (k: string, port: number | undefined) => (port ? [{ key: k, port }] : []);
    assertUniquePublishedPorts([
        ...services.flatMap((s, i) => list(`services[${i}]`, s.publish)),
        ...list("redis", redis.publish),
        ...list("postgres", postgres.publish),
        ...one("monitoring.publish.prometheus", monitoring.publish.prometheus),
        ...one("monitoring.publish.alertmanager", monitoring.publish.alertmanager),
        ...one("monitoring.publish.grafana", monitoring.publish.grafana),
        ...one("runtime.chatCache.publish", runtime.chatCache?.publish),
        ...one("runtime.syncMonitor.publish", runtime.syncMonitor.publish),
    ]);
    return {
        environment: str("environment", raw.environment, "dev"),
        secretsSource: oneOf("secretsSource", raw.secretsSource, ["esc", "generated"], "generated"),
        endpointMode: oneOf("endpointMode", raw.endpointMode, ["vip", "dnsrr"], "vip"),
        publishMode: oneOf("publishMode", raw.publishMode, ["ingress", "host"], "ingress"),
        tiers,
        resolvedTiers: {
            high: resolveTierSpec("high", tiers.high, `${PROJECT}:tiers.high`),
            medium: resolveTierSpec("medium", tiers.medium, `${PROJECT}:tiers.medium`),
            low: resolveTierSpec("low", tiers.low, `${PROJECT}:tiers.low`),
        },
        networks,
        converge: parseConverge(raw.converge),
        services,
        redis,
        postgres,
        monitoring,
        runtime,
        github,
    };
}

/** Runs a parser whose helpers may throw plain errors (tier resolution) and reports them as config errors. */
function wrapErrors<T>(parse: () => T): T {
    try {
        return parse();
    } catch (e) {
        if (e instanceof StackConfigError) {
            throw e;
        }
        throw new StackConfigError(`Config ${(e as Error).message}`);
    }
}
