import { parseSyncConfig, SyncConfig, SyncConfigError } from "../runtime/sync-monitor/src/syncConfig";
import { MonitoringImages } from "./monitoring/images";
import { ResolvedResources, resolveTierSpec, TIER_NAMES, TierName, TierSpec } from "./tiers";

/** Errors here are reported through StackConfigError by the caller; `fail` builds the same message shape. */
type Fail = (key: string, problem: string, fix: string) => never;

/** The monitoring section, validated. */
export interface MonitoringConfig {
    readonly enabled: boolean;
    readonly grafana: boolean;
    readonly cadvisor: boolean;
    /** Run the cross-node overlay prober (runtime/overlay-probe) on every network. */
    readonly overlayProbe: boolean;
    readonly images: Partial<MonitoringImages>;
    readonly publish: { prometheus?: number; alertmanager?: number; grafana?: number };
    readonly retentionTime?: string;
    readonly retentionSize?: string;
    readonly constraints?: string[];
    readonly slack?: { channel: string };
    readonly email?: { to: string; from: string; smarthost: string; username?: string; requireTls?: boolean };
}

/** One runtime service's placement and size. */
export interface RuntimeServiceConfig {
    readonly resources: ResolvedResources;
    readonly replicas: number;
    readonly port: number;
    readonly publish?: number;
    readonly constraints: string[];
    readonly env: Record<string, string>;
}

export interface RuntimeConfig {
    /** Base image for the runtime Dockerfiles (BASE_IMAGE build arg). */
    readonly baseImage: string;
    /** Registry to push to (prod); absent = local images (dev). */
    readonly registry?: { server: string; repository: string; username?: string };
    readonly chatCache?: RuntimeServiceConfig & { upstreamBaseUrl: string; rules?: string };
    readonly syncMonitor: RuntimeServiceConfig & { githubApiUrl: string; pulumiBackendUrl: string };
}

export interface GithubConfig {
    /** The mapping (SYNC_CONFIG) as validated by the sync-monitor's own parser; absent = no secret sync. */
    readonly sync?: SyncConfig;
    /** Create the GitHub Actions secrets with @pulumi/github (needs a token). Defaults to true. */
    readonly manageSecrets: boolean;
    /** GitHub API base URL for the provider (GitHub Enterprise), if not api.github.com. */
    readonly baseUrl?: string;
}

function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function bool(fail: Fail, k: string, v: unknown, dflt: boolean): boolean {
    if (v === undefined) {
        return dflt;
    }
    if (typeof v !== "boolean") {
        fail(k, `is ${JSON.stringify(v)}`, "Use true or false.");
    }
    return v;
}

function optString(fail: Fail, k: string, v: unknown): string | undefined {
    if (v === undefined) {
        return undefined;
    }
    if (typeof v !== "string" || v === "") {
        fail(k, `is ${JSON.stringify(v)}`, "Set a non-empty string or remove the key.");
    }
    return v;
}

function optPort(fail: Fail, k: string, v: unknown): number | undefined {
    if (v === undefined) {
        return undefined;
    }
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > 65535) {
        fail(k, `is ${JSON.stringify(v)}`, "Use a port number from 1 to 65535.");
    }
    return v;
}

function section(fail: Fail, k: string, v: unknown): Record<string, unknown> {
    if (v === undefined) {
        return {};
    }
    if (!isObject(v)) {
        fail(k, `is ${JSON.stringify(v)}`, "Use a map.");
    }
    return v;
}

function stringMap(fail: Fail, k: string, v: unknown): Record<string, string> {
    const m = section(fail, k, v);
    for (const [name, value] of Object.entries(m)) {
        if (typeof value !== "string") {
            fail(`${k}.${name}`, `is ${JSON.stringify(value)}`, "Use a string (quote numbers).");
        }
        if (/(PASSWORD|SECRET|TOKEN|API_KEY|PRIVATE_KEY|CREDENTIALS)/i.test(name)) {
            fail(
                `${k}.${name}`,
                "looks like a secret in a plain environment variable",
                "Deliver secrets as Docker secret files (from ESC), not as env values.",
            );
        }
    }
    return m as Record<string, string>;
}

function tierResources(
    fail: Fail,
    k: string,
    entry: Record<string, unknown>,
    dfltTier: TierName,
    tiers: Record<string, TierSpec>,
): ResolvedResources {
    const tier = (entry.tier ?? dfltTier) as string;
    if (!TIER_NAMES.includes(tier as TierName)) {
        fail(`${k}.tier`, `is ${JSON.stringify(tier)}: unknown tier`, `Use one of: ${TIER_NAMES.join(", ")}.`);
    }
    if (tier === "custom") {
        if (!isObject(entry.resources)) {
            fail(
                `${k}.resources`,
                "is missing for a custom tier",
                "Give `resources: {limits: {cpus, memory}, reservations: {cpus, memory}}`.",
            );
        }
        return resolveTierSpec("custom", entry.resources as unknown as TierSpec, `sophia-infra:${k}.resources`);
    }
    return resolveTierSpec(tier as TierName, tiers[tier], `sophia-infra:tiers.${tier}`);
}

/** Validates `sophia-infra:monitoring`. */
export function parseMonitoring(fail: Fail, raw: unknown): MonitoringConfig {
    const m = section(fail, "monitoring", raw);
    const images = section(fail, "monitoring.images", m.images);
    const known = [
        "prometheus",
        "alertmanager",
        "grafana",
        "nodeExporter",
        "cadvisor",
        "redisExporter",
        "postgresExporter",
    ];
    for (const name of Object.keys(images)) {
        if (!known.includes(name)) {
            fail(`monitoring.images.${name}`, "is not a monitoring image", `Use one of: ${known.join(", ")}.`);
        }
    }
    const publish = section(fail, "monitoring.publish", m.publish);
    const slack = m.slack === undefined ? undefined : section(fail, "monitoring.slack", m.slack);
    const email = m.email === undefined ? undefined : section(fail, "monitoring.email", m.email);
    return {
        enabled: bool(fail, "monitoring.enabled", m.enabled, true),
        grafana: bool(fail, "monitoring.grafana", m.grafana, true),
        cadvisor: bool(fail, "monitoring.cadvisor", m.cadvisor, true),
        overlayProbe: bool(fail, "monitoring.overlayProbe", m.overlayProbe, true),
        images: images as Partial<MonitoringImages>,
        publish: {
            prometheus: optPort(fail, "monitoring.publish.prometheus", publish.prometheus),
            alertmanager: optPort(fail, "monitoring.publish.alertmanager", publish.alertmanager),
            grafana: optPort(fail, "monitoring.publish.grafana", publish.grafana),
        },
        retentionTime: optString(fail, "monitoring.retentionTime", m.retentionTime),
        retentionSize: optString(fail, "monitoring.retentionSize", m.retentionSize),
        constraints: m.constraints === undefined ? undefined : (m.constraints as string[]),
        slack: slack && { channel: optString(fail, "monitoring.slack.channel", slack.channel) ?? "#sophia-ai-alerts" },
        email: email && {
            to:
                optString(fail, "monitoring.email.to", email.to) ??
                fail("monitoring.email.to", "is missing", "Set the recipients."),
            from:
                optString(fail, "monitoring.email.from", email.from) ??
                fail("monitoring.email.from", "is missing", "Set the sender address."),
            smarthost:
                optString(fail, "monitoring.email.smarthost", email.smarthost) ??
                fail("monitoring.email.smarthost", "is missing", "Set host:port of the SMTP server."),
            username: optString(fail, "monitoring.email.username", email.username),
            requireTls: bool(fail, "monitoring.email.requireTls", email.requireTls, true),
        },
    };
}

function runtimeService(
    fail: Fail,
    k: string,
    raw: unknown,
    dflt: { tier: TierName; replicas: number; port: number },
    tiers: Record<string, TierSpec>,
): RuntimeServiceConfig & Record<string, unknown> {
    const e = section(fail, k, raw);
    const replicas = e.replicas ?? dflt.replicas;
    if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 1) {
        fail(`${k}.replicas`, `is ${JSON.stringify(replicas)}`, "Set a whole number from 1.");
    }
    return {
        ...e,
        resources: tierResources(fail, k, e, dflt.tier, tiers),
        replicas,
        port: optPort(fail, `${k}.port`, e.port) ?? dflt.port,
        publish: optPort(fail, `${k}.publish`, e.publish),
        constraints: (e.constraints as string[] | undefined) ?? [],
        env: stringMap(fail, `${k}.env`, e.env),
    };
}

/** Validates `sophia-infra:runtime`. */
export function parseRuntime(
    fail: Fail,
    raw: unknown,
    tiers: Record<string, TierSpec>,
    validateImage: (k: string, v: unknown) => string,
): RuntimeConfig {
    const r = section(fail, "runtime", raw);
    const registry = r.registry === undefined ? undefined : section(fail, "runtime.registry", r.registry);
    const chat = r.chatCache === undefined ? {} : section(fail, "runtime.chatCache", r.chatCache);
    const chatEnabled = bool(fail, "runtime.chatCache.enabled", chat.enabled, true);
    const chatCache = chatEnabled
        ? runtimeService(
              fail,
              "runtime.chatCache",
              { ...chat, enabled: undefined },
              { tier: "medium", replicas: 2, port: 8080 },
              tiers,
          )
        : undefined;
    const sync = runtimeService(
        fail,
        "runtime.syncMonitor",
        r.syncMonitor,
        { tier: "low", replicas: 1, port: 9091 },
        tiers,
    );
    if (sync.replicas !== 1) {
        fail(
            "runtime.syncMonitor.replicas",
            `is ${sync.replicas}`,
            "The sync-monitor runs one replica: its writes to GitHub must be serial.",
        );
    }
    return {
        baseImage: validateImage("runtime.baseImage", r.baseImage ?? "node:20.18.1-bookworm-slim"),
        registry: registry && {
            server:
                optString(fail, "runtime.registry.server", registry.server) ??
                fail("runtime.registry.server", "is missing", "Set the registry host, e.g. ghcr.io."),
            repository:
                optString(fail, "runtime.registry.repository", registry.repository) ??
                fail("runtime.registry.repository", "is missing", "Set the repository path, e.g. sophia-ai."),
            username: optString(fail, "runtime.registry.username", registry.username),
        },
        chatCache: chatCache && {
            ...chatCache,
            // The platform's LLM gateway on the overlay; any OpenAI-compatible base URL works.
            upstreamBaseUrl:
                optString(fail, "runtime.chatCache.upstreamBaseUrl", chat.upstreamBaseUrl) ??
                "http://llm-gateway:8000/v1",
            rules: optString(fail, "runtime.chatCache.rules", chat.rules),
        },
        syncMonitor: {
            ...sync,
            githubApiUrl:
                optString(fail, "runtime.syncMonitor.githubApiUrl", sync.githubApiUrl) ?? "https://api.github.com",
            pulumiBackendUrl:
                optString(fail, "runtime.syncMonitor.pulumiBackendUrl", sync.pulumiBackendUrl) ??
                "https://api.pulumi.com",
        },
    };
}

/** Validates `sophia-infra:github`; the mapping goes through the sync-monitor's own parser. */
export function parseGithub(fail: Fail, raw: unknown): GithubConfig {
    const g = section(fail, "github", raw);
    let sync: SyncConfig | undefined;
    if (g.sync !== undefined) {
        try {
            sync = parseSyncConfig(g.sync);
        } catch (e) {
            if (e instanceof SyncConfigError) {
                fail(
                    "github.sync",
                    `is not a valid sync mapping (${e.message.replace(/^SYNC_CONFIG: /, "")})`,
                    "See runtime/sync-monitor/README.md for the schema.",
                );
            }
            throw e;
        }
    }
    return {
        sync,
        manageSecrets: bool(fail, "github.manageSecrets", g.manageSecrets, true),
        baseUrl: optString(fail, "github.baseUrl", g.baseUrl),
    };
}
