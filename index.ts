/**
 * The Sophia AI platform on Docker Swarm. This is the only file that reads `pulumi.Config`: it validates the stack
 * configuration once (components/stackConfig.ts) and hands plain typed args to the components.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import {
    ESC_SECRET_KEYS, OverlayNetwork, parseStackConfig, Postgres, PROJECT, RawStackConfig, Redis, StackConfig,
    StackConfigError, SwarmService,
} from "./components";

const config = new pulumi.Config(PROJECT);

function readStackConfig(): StackConfig {
    const raw: RawStackConfig = {
        environment: config.get("environment"),
        secretsSource: config.get("secretsSource"),
        endpointMode: config.get("endpointMode"),
        publishMode: config.get("publishMode"),
        tiers: config.getObject("tiers"),
        networks: config.getObject("networks"),
        converge: config.getObject("converge"),
        services: config.getObject("services"),
        redis: config.getObject("redis"),
        postgres: config.getObject("postgres"),
    };
    try {
        return parseStackConfig(raw);
    } catch (e) {
        // RunError makes `pulumi preview` print the message alone, without a stack trace.
        if (e instanceof StackConfigError) {
            throw new pulumi.RunError(e.message);
        }
        throw e;
    }
}

const stack = readStackConfig();
const publicHost = config.get("publicHost") ?? "localhost";

/** A secret from ESC (prod) or one generated once and kept in state (dev). */
function platformSecret(keyName: typeof ESC_SECRET_KEYS[number]): pulumi.Output<string> {
    if (stack.secretsSource === "esc") {
        // Secret config is plain text inside the program; read it once to fail early and by name, then keep it secret.
        const value = config.get(keyName);
        if (!value) {
            throw new pulumi.RunError(`Config \`${PROJECT}:${keyName}\` is empty but \`${PROJECT}:secretsSource\` is "esc". Add it to the stack's ESC environment under values.pulumiConfig, or use secretsSource "generated".`);
        }
        return pulumi.secret(value);
    }
    return new random.RandomPassword(keyName, { length: 32, special: false }).result;
}

// Overlay networks, encrypted unless a stack explicitly says otherwise.
const networks = Object.fromEntries(stack.networks.map((n) => [n.name, new OverlayNetwork(n.name, {
    networkName: n.name,
    mtu: n.mtu,
    encrypted: n.encrypted,
    internal: n.internal,
})]));
const networkIds = (names: string[]) => names.map((n) => networks[n].id);
const ports = (list: { target: number; published: number }[]) =>
    list.map((p) => ({ target: p.target, published: p.published, mode: stack.publishMode }));

// Data services.
const redis = new Redis("redis", {
    image: stack.redis.image,
    resources: stack.redis.resources,
    maxmemoryBytes: stack.redis.maxmemoryBytes,
    evictionPolicy: stack.redis.evictionPolicy,
    password: platformSecret("redisPassword"),
    networks: networkIds(stack.redis.networks),
    constraints: stack.redis.constraints,
    endpointMode: stack.endpointMode,
    ports: ports(stack.redis.publish),
    converge: stack.converge,
});

const postgres = new Postgres("postgres", {
    image: stack.postgres.image,
    resources: stack.postgres.resources,
    password: platformSecret("postgresPassword"),
    user: stack.postgres.user,
    database: stack.postgres.database,
    maxConnections: stack.postgres.maxConnections,
    storage: stack.postgres.storage,
    networks: networkIds(stack.postgres.networks),
    constraints: stack.postgres.constraints,
    endpointMode: stack.endpointMode,
    ports: ports(stack.postgres.publish),
    converge: stack.converge,
});

// Application services: each entry of `sophia-infra:services` becomes one SwarmService.
const appServices = stack.services.map((s) => new SwarmService(s.name, {
    serviceName: s.name,
    image: s.image,
    resources: s.resources,
    replicas: s.replicas,
    env: { ENVIRONMENT: stack.environment, PORT: String(s.port), ...s.env },
    healthcheck: { test: ["CMD-SHELL", `curl -fsS http://127.0.0.1:${s.port}${s.healthPath} || exit 1`] },
    networks: networkIds(s.networks),
    constraints: s.constraints,
    spreadOver: s.spreadOver,
    ports: ports(s.publish),
    endpointMode: stack.endpointMode,
    gpus: s.gpus,
    converge: stack.converge,
    metrics: s.metricsPath ? { port: s.port, path: s.metricsPath } : undefined,
}));

const published = [
    ...stack.services.map((s) => ({ name: s.name, ports: s.publish })),
    { name: "redis", ports: stack.redis.publish },
    { name: "postgres", ports: stack.postgres.publish },
].flatMap(({ name, ports: list }) => list.map((p) => [`${name}:${p.target}`, `${publicHost}:${p.published}`]));

/** Docker service names, by role. */
export const serviceNames = {
    redis: redis.serviceName,
    postgres: postgres.serviceName,
    apps: appServices.map((s) => s.serviceName),
};
/** Overlay network ids, by name. */
export const networkIdsByName = Object.fromEntries(Object.entries(networks).map(([n, net]) => [n, net.id]));
/** Published endpoints: `<service>:<container port>` -> `<host>:<published port>`. */
export const publishedEndpoints = Object.fromEntries(published);
/** The Postgres settings applied with `-c`, and Redis' maxmemory, for review in `pulumi stack output`. */
export const dataTuning = { postgres: postgres.settings, redisMaxmemoryBytes: redis.maxmemoryBytes };
