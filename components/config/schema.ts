/**
 * The stack config schema: every key of `sophia-infra:*` that is not a secret, its description and default (kept in
 * step with Pulumi.yaml by a test), and the checks that span sections (networks named by services, tiers resolved for
 * every service, Redis' share of its limit, published ports used once). The output is what the components take.
 */
import { z } from "zod";
import { redisMaxmemoryFits } from "../../policies/lib/rules/redisShare";
import {
    DEFAULT_TIERS,
    ResolvedResources,
    resolveTierSpec,
    STANDARD_TIER_NAMES,
    StandardTierName,
    TierName,
    TierSpec,
} from "../../policies/lib/rules/tiers";
import { MiB, parseBytes } from "../../policies/lib/rules/units";
import { DEFAULT_CONVERGE } from "../swarmService";
import { hostName, jsonValue, text } from "./fields";
import { configKey, PROJECT } from "./issues";
import { tierOverrides } from "./placement";
import {
    convergeSection,
    DEFAULT_IMAGES,
    githubSection,
    monitoringSection,
    networksSection,
    postgresSection,
    redisSection,
    runtimeSection,
    servicesSection,
} from "./sections";

const modes = <T extends string>(values: readonly [T, ...T[]]) => z.enum(values);

/** The sections, each with its Pulumi.yaml description and default. */
const sections = {
    environment: text()
        .default("dev")
        .describe("Environment name, passed to application services as ENVIRONMENT (dev, staging, prod)."),
    secretsSource: modes(["esc", "generated"])
        .default("generated")
        .describe(
            'Where platform secrets come from. "esc" requires sophia-infra:postgresPassword and sophia-infra:redisPassword (normally from the imported ESC environment); "generated" creates random ones once and keeps them in state.',
        ),
    endpointMode: modes(["vip", "dnsrr"])
        .default("vip")
        .describe(
            'Swarm endpoint mode for every service - "vip" (virtual IP load balancing, needs IPVS) or "dnsrr" (DNS round robin; use where the kernel has no IPVS, e.g. single-node dev machines).',
        ),
    publishMode: modes(["ingress", "host"])
        .default("ingress")
        .describe(
            'How ports are published - "ingress" (routing mesh on every node, needs IPVS) or "host" (only on nodes running a task; required with dnsrr).',
        ),
    publicHost: hostName()
        .default("localhost")
        .describe("Host name used to print the published endpoints in the stack outputs."),
    tiers: jsonValue(tierOverrides)
        .prefault({})
        .describe(
            "Overrides for the performance tiers high, medium and low, as {<tier>: {limits: {cpus, memory}, reservations: {cpus, memory}}}. Unset tiers keep the platform standard (high 2.0 CPU/4GiB limits, 1.0/2GiB reserved; medium 1.0/2GiB, 0.5/1GiB; low 0.5/1GiB, 0.25/512MiB).",
        ),
    networks: jsonValue(networksSection)
        .prefault([{ name: "sophia-overlay", mtu: 1500 }])
        .describe(
            "Overlay networks as a list of {name, mtu, encrypted, internal}. mtu is the underlay MTU (1280..9000; containers get 50 less for VXLAN and another 26 less when encrypted); encrypted defaults to true.",
        ),
    converge: jsonValue(convergeSection)
        .prefault(DEFAULT_CONVERGE as { delay: string; timeout: string })
        .describe(
            "How long `pulumi up` waits for replicated services to run their tasks, as {delay, timeout}, or false to return as soon as Swarm accepts the spec.",
        ),
    services: jsonValue(servicesSection)
        .prefault([])
        .describe(
            "Application services, a list of {name, image, tier, resources (custom tier only), replicas, port, publish, networks, constraints, spreadOver, env, gpus, healthPath, metricsPath}. Adding a service is a config change.",
        ),
    redis: jsonValue(redisSection)
        .prefault({ image: DEFAULT_IMAGES.redis, tier: "medium" })
        .describe(
            "Redis settings {image, tier, resources, maxmemory, evictionPolicy, networks, constraints, publish}. maxmemory defaults to 60% of the memory limit and may be at most 2/3 of it; evictionPolicy defaults to allkeys-lru.",
        ),
    monitoring: jsonValue(monitoringSection)
        .prefault({ enabled: true })
        .describe(
            "Monitoring stack {enabled, grafana, cadvisor, overlayProbe (true: the cross-node overlay prober on every network), images: {prometheus, alertmanager, grafana, nodeExporter, cadvisor, redisExporter, postgresExporter}, publish: {prometheus, alertmanager, grafana}, retentionTime (30d), retentionSize (10GB), constraints ([node.role==manager]), slack: {channel}, email: {to, from, smarthost, username, requireTls}}. Receiver secrets come from slackWebhookUrl and smtpPassword.",
        ),
    runtime: jsonValue(runtimeSection)
        .prefault({ baseImage: DEFAULT_IMAGES.runtimeBase })
        .describe(
            "The runtime containers built from runtime/ {baseImage (node:20.18.1-bookworm-slim), registry: {server, repository, username} (absent = local images, no push), chatCache: {enabled, tier (medium), replicas (2), port (8080), publish, upstreamBaseUrl, env, rules}, syncMonitor: {tier (low), port (9091), publish, githubApiUrl, pulumiBackendUrl, env}}.",
        ),
    github: jsonValue(githubSection)
        .prefault({})
        .describe(
            "GitHub Actions secrets from ESC {sync: <the sync-monitor mapping, see runtime/sync-monitor/README.md>, manageSecrets (true), baseUrl}. With `sync` set the sync-monitor is deployed and watches the same mapping; the secrets themselves are created only when githubToken is set and manageSecrets is true.",
        ),
    postgres: jsonValue(postgresSection)
        .prefault({ image: DEFAULT_IMAGES.postgres, tier: "high" })
        .describe(
            "Postgres settings {image, tier, resources, user, database, maxConnections, storage, networks, constraints, publish}. Tuning (shared_buffers etc.) is computed from the memory limit with pgtune's formulas.",
        ),
};

/** The non-secret config keys of the project (`sophia-infra:<key>`), in Pulumi.yaml order. */
export const STACK_CONFIG_KEYS = Object.keys(sections) as (keyof typeof sections)[];

/** The sections as validated, before cross-section checks. */
export const stackConfigSections = z.strictObject(sections);

type Sections = z.output<typeof stackConfigSections>;
type Issue = (path: (string | number)[], message: string) => void;
type Placed = { image: string; tier: TierName; resources?: TierSpec; networks?: string[]; constraints: string[] };

/** Pulls a checked section apart into what the components take; `issue` reports cross-section problems. */
function resolve(c: Sections, issue: Issue) {
    const tiers: Record<StandardTierName, TierSpec> = { ...DEFAULT_TIERS };
    for (const name of STANDARD_TIER_NAMES) {
        tiers[name] = c.tiers[name] ?? tiers[name];
    }
    // Every spec has been checked already, so resolving cannot throw here.
    const resolvedTiers = Object.fromEntries(
        STANDARD_TIER_NAMES.map((t) => [t, resolveTierSpec(t, tiers[t], `${PROJECT}:tiers.${t}`)]),
    ) as Record<StandardTierName, ResolvedResources>;
    const resourcesOf = (e: { tier: TierName; resources?: TierSpec }, path: (string | number)[]) =>
        e.tier === "custom"
            ? resolveTierSpec("custom", e.resources!, `${PROJECT}:${path.join(".")}.resources`)
            : resolvedTiers[e.tier];

    const networkNames = c.networks.map((n) => n.name);
    const placed = (e: Placed, path: (string | number)[]) => {
        const networks = e.networks ?? networkNames.slice(0, 1);
        networks.forEach((n, i) => {
            if (!networkNames.includes(n)) {
                issue(
                    [...path, "networks", i],
                    `names "${n}", which is not in ${configKey(["networks"])}. Use one of: ${networkNames.join(", ")}.`,
                );
            }
        });
        return { image: e.image, resources: resourcesOf(e, path), networks, constraints: e.constraints };
    };

    const services = c.services.map((s, i) => ({
        ...placed(s, ["services", i]),
        name: s.name,
        publish: s.publish,
        replicas: s.replicas,
        port: s.port,
        spreadOver: s.spreadOver,
        env: s.env,
        gpus: s.gpus,
        healthPath: s.healthPath,
        metricsPath: s.metricsPath,
    }));

    const redisBase = placed(c.redis, ["redis"]);
    const maxmemoryBytes = c.redis.maxmemory === undefined ? undefined : parseBytes(c.redis.maxmemory)!;
    const redisLimit = redisBase.resources.limits.memoryBytes;
    if (maxmemoryBytes !== undefined && maxmemoryBytes >= redisLimit) {
        issue(
            ["redis", "maxmemory"],
            `(${c.redis.maxmemory}) is not below the memory limit (${redisLimit} bytes). Keep maxmemory at most 2/3 of the limit: lower maxmemory or raise the tier's memory limit.`,
        );
    } else if (maxmemoryBytes !== undefined && !redisMaxmemoryFits(maxmemoryBytes, redisLimit)) {
        issue(
            ["redis", "maxmemory"],
            `(${c.redis.maxmemory}) is above 2/3 of the memory limit (${redisLimit} bytes). Leave headroom for fork copy-on-write and buffers: lower maxmemory or raise the memory limit.`,
        );
    }
    const redis = { ...redisBase, publish: c.redis.publish, maxmemoryBytes, evictionPolicy: c.redis.evictionPolicy };

    const postgresBase = placed(c.postgres, ["postgres"]);
    if (postgresBase.resources.limits.memoryBytes < 256 * MiB) {
        issue(
            ["postgres", "tier"],
            "gives Postgres less than 256MiB. pgtune's formulas are not meaningful below 256MiB; use a larger tier.",
        );
    }
    const postgres = {
        ...postgresBase,
        publish: c.postgres.publish,
        user: c.postgres.user,
        database: c.postgres.database,
        maxConnections: c.postgres.maxConnections,
        storage: c.postgres.storage,
    };

    const runtimeService = <T extends { tier: TierName; resources?: TierSpec }>(e: T, path: (string | number)[]) => {
        const { tier: _tier, resources: _resources, ...rest } = e;
        return { ...rest, resources: resourcesOf(e, path) };
    };
    const { enabled: chatEnabled, ...chat } = c.runtime.chatCache;
    const runtime = {
        baseImage: c.runtime.baseImage,
        registry: c.runtime.registry,
        chatCache: chatEnabled ? runtimeService(chat, ["runtime", "chatCache"]) : undefined,
        syncMonitor: runtimeService(c.runtime.syncMonitor, ["runtime", "syncMonitor"]),
    };

    const published: { path: (string | number)[]; port: number }[] = [
        ...services.flatMap((s, i) =>
            s.publish.map((p, j) => ({ path: ["services", i, "publish", j], port: p.published })),
        ),
        ...redis.publish.map((p, j) => ({ path: ["redis", "publish", j], port: p.published })),
        ...postgres.publish.map((p, j) => ({ path: ["postgres", "publish", j], port: p.published })),
        ...(["prometheus", "alertmanager", "grafana"] as const).map((n) => ({
            path: ["monitoring", "publish", n],
            port: c.monitoring.publish[n],
        })),
        { path: ["runtime", "chatCache", "publish"], port: runtime.chatCache?.publish },
        { path: ["runtime", "syncMonitor", "publish"], port: runtime.syncMonitor.publish },
    ].filter((p): p is { path: (string | number)[]; port: number } => p.port !== undefined);
    const byPort = new Map<number, (string | number)[]>();
    for (const { path, port } of published) {
        const other = byPort.get(port);
        if (other) {
            issue(
                path,
                `publishes port ${port}, which ${configKey(other)} already publishes. Give each published port to one service only.`,
            );
        }
        byPort.set(port, path);
    }

    return {
        environment: c.environment,
        secretsSource: c.secretsSource,
        endpointMode: c.endpointMode,
        publishMode: c.publishMode,
        publicHost: c.publicHost,
        tiers,
        /** The standard tiers (after overrides) in Docker units, for services that take a tier by name. */
        resolvedTiers,
        networks: c.networks,
        converge: c.converge,
        services,
        redis,
        postgres,
        monitoring: c.monitoring,
        runtime,
        github: c.github,
    };
}

/** The whole stack config: the sections, then the cross-section checks, giving what index.ts hands to components. */
export const stackConfigSchema = stackConfigSections.transform((c, ctx) => {
    let failed = false;
    const out = resolve(c, (path, message) => {
        failed = true;
        ctx.issues.push({ code: "custom", path, message, input: undefined });
    });
    return failed ? z.NEVER : out;
});
