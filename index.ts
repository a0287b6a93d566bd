/**
 * The Sophia AI platform on Docker Swarm. This is the only file that reads `pulumi.Config`: it validates the stack
 * configuration once (components/stackConfig.ts) and hands plain typed args to the components.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import {
    ChatCache,
    GITHUB_SECRET_VALUES_KEY,
    GithubSecrets,
    OverlayNetwork,
    parseStackConfig,
    Postgres,
    PROJECT,
    RawStackConfig,
    Redis,
    RuntimeImage,
    SecretConfigKey,
    SERVICE_NAMES,
    STACK_CONFIG_KEYS,
    StackConfig,
    StackConfigError,
    SwarmService,
    SyncMonitor,
} from "./components";
import { JOBS, monitoringResources, MonitoringStack, ScrapeTarget } from "./components/monitoring";
import { SYNC_MONITOR_PATHS } from "./runtime/sync-monitor/src/contract";
import { renderSyncConfig } from "./runtime/sync-monitor/src/syncConfig";

const config = new pulumi.Config(PROJECT);

function readStackConfig(): StackConfig {
    // Structured values arrive as JSON text; the schema parses them, so every key is read the same way.
    const raw: RawStackConfig = Object.fromEntries(STACK_CONFIG_KEYS.map((key) => [key, config.get(key)]));
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
const publicHost = stack.publicHost;

/**
 * A platform secret. Set values (from ESC in prod) win; otherwise a generated one (kept in state) where that makes
 * sense and the stack generates secrets; otherwise, when required, a config error naming the key.
 */
function secret(
    key: SecretConfigKey,
    opts: { generate?: number; requiredFor?: string },
): pulumi.Output<string> | undefined {
    // Secret config is plain text inside the program; read it once to fail early and by name, then keep it secret.
    const value = config.get(key);
    if (value) {
        return pulumi.secret(value);
    }
    if (opts.generate && stack.secretsSource === "generated") {
        return new random.RandomPassword(key, { length: opts.generate, special: false }).result;
    }
    if (opts.requiredFor) {
        const where =
            stack.secretsSource === "esc"
                ? "Add it to the stack's ESC environment under values.pulumiConfig"
                : "Set it with `pulumi config set --secret`";
        throw new pulumi.RunError(
            `Config \`${PROJECT}:${key}\` is empty but ${opts.requiredFor} needs it (\`${PROJECT}:secretsSource\` is "${stack.secretsSource}"). ${where}.`,
        );
    }
    return undefined;
}

// Overlay networks, encrypted unless a stack explicitly says otherwise.
const networks = Object.fromEntries(
    stack.networks.map((n) => [
        n.name,
        new OverlayNetwork(n.name, {
            networkName: n.name,
            mtu: n.mtu,
            encrypted: n.encrypted,
            internal: n.internal,
        }),
    ]),
);
const networkIds = (names: string[]) => names.map((n) => networks[n].id);
const allNetworkIds = Object.values(networks).map((n) => n.id);
const hostPorts = (list: { target: number; published: number }[]) =>
    list.map((p) => ({ target: p.target, published: p.published, mode: stack.publishMode }));
const onePort = (target: number, published: number | undefined) =>
    published ? hostPorts([{ target, published }]) : undefined;
const common = { endpointMode: stack.endpointMode, converge: stack.converge };

// Data services.
const redisPassword = secret("redisPassword", { generate: 32, requiredFor: "Redis" })!;
const redis = new Redis(SERVICE_NAMES.redis, {
    ...common,
    image: stack.redis.image,
    resources: stack.redis.resources,
    maxmemoryBytes: stack.redis.maxmemoryBytes,
    evictionPolicy: stack.redis.evictionPolicy,
    password: redisPassword,
    networks: networkIds(stack.redis.networks),
    constraints: stack.redis.constraints,
    ports: hostPorts(stack.redis.publish),
});

const postgresPassword = secret("postgresPassword", { generate: 32, requiredFor: "Postgres" })!;
const postgres = new Postgres(SERVICE_NAMES.postgres, {
    ...common,
    image: stack.postgres.image,
    resources: stack.postgres.resources,
    password: postgresPassword,
    user: stack.postgres.user,
    database: stack.postgres.database,
    maxConnections: stack.postgres.maxConnections,
    storage: stack.postgres.storage,
    networks: networkIds(stack.postgres.networks),
    constraints: stack.postgres.constraints,
    ports: hostPorts(stack.postgres.publish),
});

/** The user application services run as (nobody); a stack key per service can override it once the schema has one. */
const APP_SERVICE_USER = "65534:65534";
/** Size of an application service's /tmp tmpfs (counts toward its memory limit). */
const APP_TMP_BYTES = 64 * 1024 * 1024;

// Application services: each entry of `sophia-infra:services` becomes one SwarmService.
const appServices = stack.services.map(
    (s) =>
        new SwarmService(s.name, {
            ...common,
            serviceName: s.name,
            image: s.image,
            resources: s.resources,
            replicas: s.replicas,
            env: { ENVIRONMENT: stack.environment, PORT: String(s.port), ...s.env },
            healthcheck: { test: ["CMD-SHELL", `curl -fsS http://127.0.0.1:${s.port}${s.healthPath} || exit 1`] },
            networks: networkIds(s.networks),
            constraints: s.constraints,
            spreadOver: s.spreadOver,
            ports: hostPorts(s.publish),
            gpus: s.gpus,
            metrics: s.metricsPath ? { port: s.port, path: s.metricsPath } : undefined,
            // The platform's own images, on unprivileged ports: run as nobody (CIS 4.1), read-only root filesystem with
            // a bounded /tmp for the request bodies and temporary files their runtimes spool to disk.
            user: APP_SERVICE_USER,
            mounts: [{ type: "tmpfs", target: "/tmp", sizeBytes: APP_TMP_BYTES }],
        }),
);

// The two runtime containers, built from runtime/ by this program and run by digest.
const runtimeDir = path.join(__dirname, "runtime");
const runtimeVersion = (service: string) =>
    (JSON.parse(fs.readFileSync(path.join(runtimeDir, service, "package.json"), "utf8")) as { version: string })
        .version;
const registry = stack.runtime.registry && {
    ...stack.runtime.registry,
    password: stack.runtime.registry.username
        ? secret("registryPassword", { requiredFor: `pushing to ${stack.runtime.registry.server}` })
        : undefined,
};
const buildImage = (service: string) =>
    new RuntimeImage(service, {
        service,
        runtimeDir,
        tag: runtimeVersion(service),
        baseImage: stack.runtime.baseImage,
        registry,
    });
// Nodes pull a pushed image from the registry with these credentials; a local image needs none.
const registryAuth =
    registry?.username && registry.password
        ? { serverAddress: registry.server, username: registry.username, password: registry.password }
        : undefined;

const cc = stack.runtime.chatCache;
const chatCacheImage = cc && buildImage(SERVICE_NAMES.chatCache);
const chatCache =
    cc &&
    new ChatCache(SERVICE_NAMES.chatCache, {
        ...common,
        image: chatCacheImage!.repoDigest,
        resources: cc.resources,
        replicas: cc.replicas,
        port: cc.port,
        networks: allNetworkIds,
        constraints: cc.constraints,
        ports: onePort(cc.port, cc.publish),
        redis: { host: redis.serviceName, port: redis.port, password: redisPassword },
        upstream: { baseUrl: cc.upstreamBaseUrl, apiKey: secret("upstreamApiKey", {}) },
        env: cc.env,
        rules: cc.rules,
        registryAuth,
    });

// Monitoring: every service that declares a metrics endpoint is scraped per task.
const monitoringNetworkIds = allNetworkIds;
const scrapeTargets: ScrapeTarget[] = [
    ...stack.services
        .filter((s) => s.metricsPath)
        .map((s) => ({ job: s.name, serviceName: s.name, port: s.port, path: s.metricsPath })),
    ...(cc ? [{ job: JOBS.chatCache, serviceName: SERVICE_NAMES.chatCache, port: cc.port }] : []),
    ...(stack.github.sync
        ? [{ job: JOBS.syncMonitor, serviceName: SERVICE_NAMES.syncMonitor, port: stack.runtime.syncMonitor.port }]
        : []),
];
const m = stack.monitoring;
// The overlay prober watches every network's data plane (cross-node paths and their MTU).
const overlayProbeImage = m.enabled && m.overlayProbe ? buildImage("overlay-probe") : undefined;
const monitoring = m.enabled
    ? new MonitoringStack("monitoring", {
          ...common,
          networks: monitoringNetworkIds,
          targets: scrapeTargets,
          stack: pulumi.getStack(),
          resources: monitoringResources(stack.resolvedTiers),
          images: m.images,
          publishMode: stack.publishMode,
          publish: m.publish,
          enableGrafana: m.grafana,
          enableCadvisor: m.cadvisor,
          grafanaAdminPassword: m.grafana
              ? secret("grafanaAdminPassword", { generate: 24, requiredFor: "Grafana" })
              : undefined,
          redis: { serviceName: SERVICE_NAMES.redis, port: redis.port, password: redisPassword },
          postgres: {
              serviceName: SERVICE_NAMES.postgres,
              port: postgres.port,
              user: postgres.user,
              database: postgres.database,
              password: postgresPassword,
          },
          slack: m.slack && {
              channel: m.slack.channel,
              webhookUrl: secret("slackWebhookUrl", { requiredFor: "the Slack receiver" })!,
          },
          email: m.email && {
              ...m.email,
              password: m.email.username ? secret("smtpPassword", { requiredFor: "SMTP authentication" }) : undefined,
          },
          retentionTime: m.retentionTime,
          retentionSize: m.retentionSize,
          constraints: m.constraints,
          overlayProbe: overlayProbeImage && {
              image: overlayProbeImage.repoDigest,
              networks: stack.networks.map((n) => ({
                  name: n.name,
                  id: networks[n.name].id,
                  mtu: n.mtu,
                  encrypted: n.encrypted,
              })),
              registryAuth,
          },
      })
    : undefined;

// Secret sync: the mapping drives both the GitHub secrets created here and the monitor that proves they match.
const sync = stack.github.sync;
const syncConfigYaml = sync && renderSyncConfig(sync);
const githubToken = sync
    ? secret("githubToken", stack.github.manageSecrets ? {} : { requiredFor: "the sync-monitor" })
    : undefined;
const syncHmacKey = sync ? secret("syncHmacKey", { generate: 64, requiredFor: "the sync-monitor ledger" }) : undefined;
const githubSecrets =
    sync && stack.github.manageSecrets && githubToken
        ? new GithubSecrets("github-secrets", {
              mapping: sync,
              values: config.requireSecretObject<Record<string, unknown>>(GITHUB_SECRET_VALUES_KEY),
              token: githubToken,
              baseUrl: stack.github.baseUrl,
              hmacKey: syncHmacKey,
          })
        : undefined;
if (sync && stack.github.manageSecrets && !githubToken) {
    pulumi.log.info(`No \`${PROJECT}:githubToken\` configured: GitHub Actions secrets are not managed by this stack.`);
}
const sm = stack.runtime.syncMonitor;
const syncMonitorImage = sync && buildImage(SERVICE_NAMES.syncMonitor);
const syncMonitor =
    sync &&
    new SyncMonitor(SERVICE_NAMES.syncMonitor, {
        ...common,
        image: syncMonitorImage!.repoDigest,
        resources: sm.resources,
        port: sm.port,
        networks: allNetworkIds,
        constraints: sm.constraints,
        ports: onePort(sm.port, sm.publish),
        syncConfigYaml: syncConfigYaml!,
        githubApiUrl: sm.githubApiUrl,
        githubToken: githubToken ?? secret("githubToken", { requiredFor: "the sync-monitor" })!,
        pulumiBackendUrl: sm.pulumiBackendUrl,
        pulumiAccessToken: secret("pulumiAccessToken", { requiredFor: "the sync-monitor (reading ESC)" })!,
        postgres: {
            host: postgres.serviceName,
            port: postgres.port,
            user: postgres.user,
            database: postgres.database,
            password: postgresPassword,
        },
        hmacKey: syncHmacKey!,
        adminToken: secret("syncAdminToken", { generate: 40, requiredFor: "sync-monitor heal approvals" })!,
        alertmanagerUrl: monitoring?.alertmanagerUrl,
        // What this program wrote to GitHub, so the monitor can verify secrets it did not write itself.
        attestations: githubSecrets?.attestations,
        env: sm.env,
        registryAuth,
    });

const published = [
    ...stack.services.map((s) => ({ name: s.name, ports: s.publish })),
    { name: SERVICE_NAMES.redis, ports: stack.redis.publish },
    { name: SERVICE_NAMES.postgres, ports: stack.postgres.publish },
].flatMap(({ name, ports: list }) => list.map((p) => [`${name}:${p.target}`, `${publicHost}:${p.published}`]));
const url = (port: number | undefined, p = "") => (port ? `http://${publicHost}:${port}${p}` : undefined);

/** Docker service names, by role. */
export const serviceNames = {
    redis: redis.serviceName,
    postgres: postgres.serviceName,
    apps: appServices.map((s) => s.serviceName),
    chatCache: chatCache?.serviceName,
    syncMonitor: syncMonitor?.serviceName,
    monitoring: monitoring ? Object.values(monitoring.services).map((s) => s.serviceName) : [],
};
/** Overlay network ids, by name. */
export const networkIdsByName = Object.fromEntries(Object.entries(networks).map(([n, net]) => [n, net.id]));
/** Published endpoints: `<service>:<container port>` -> `<host>:<published port>`. */
export const publishedEndpoints = Object.fromEntries(published);
/** The Postgres settings applied with `-c`, and Redis' maxmemory, for review in `pulumi stack output`. */
export const dataTuning = { postgres: postgres.settings, redisMaxmemoryBytes: redis.maxmemoryBytes };
/** chat-cache's OpenAI-compatible base URL (clients set it as baseURL). */
export const chatCacheEndpoint = cc
    ? (url(cc.publish, "/v1") ?? `http://${SERVICE_NAMES.chatCache}:${cc.port}/v1`)
    : undefined;
/** Grafana, where published. */
export const grafanaUrl = monitoring && m.grafana ? (url(m.publish.grafana) ?? monitoring.grafanaUrl) : undefined;
/** The sync-monitor's health report. */
export const syncMonitorHealthUrl = sync
    ? (url(sm.publish, SYNC_MONITOR_PATHS.syncHealth) ??
      `http://${SERVICE_NAMES.syncMonitor}:${sm.port}${SYNC_MONITOR_PATHS.syncHealth}`)
    : undefined;
/** Digests of the images this stack built. */
export const imageDigests = {
    chatCache: chatCacheImage?.repoDigest,
    syncMonitor: syncMonitorImage?.repoDigest,
};
/** GitHub secrets managed by this stack (`scope|target|name`). */
export const managedGithubSecrets = githubSecrets?.managed ?? [];
