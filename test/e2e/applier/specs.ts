/**
 * Pure mappings from @pulumi/docker resource inputs (as the Pulumi engine hands them to a provider, secrets already
 * unwrapped) to Docker Engine API request bodies. Each mapping first checks the inputs against its whitelist
 * (fields.ts), so an input the e2e cannot honour fails the run instead of disappearing.
 */
import * as crypto from "crypto";
import { durationMs } from "../../../components/duration";
import {
    checkFields,
    CONFIG_SHAPE,
    IMAGE_SHAPE,
    NETWORK_SHAPE,
    RANDOM_PASSWORD_SHAPE,
    SECRET_SHAPE,
    SERVICE_SHAPE,
    VOLUME_SHAPE,
} from "./fields";

type Inputs = Record<string, any>;

/** Pulumi type tokens the applier handles. */
export const TYPES = {
    network: "docker:index/network:Network",
    secret: "docker:index/secret:Secret",
    config: "docker:index/serviceConfig:ServiceConfig",
    volume: "docker:index/volume:Volume",
    service: "docker:index/service:Service",
    image: "docker:index/image:Image",
    randomPassword: "random:index/randomPassword:RandomPassword",
} as const;

/** `[{label, value}]` -> `{label: value}`. */
export function labelMap(labels: { label: string; value: string }[] | undefined): Record<string, string> | undefined {
    if (!labels) {
        return undefined;
    }
    return Object.fromEntries(labels.map((l) => [l.label, l.value]));
}

/** Docker duration ("5s", "1m30s") -> nanoseconds, as the Engine API wants; throws on anything unreadable. */
export function durationNs(value: string | undefined, where: string): number | undefined {
    if (value === undefined) {
        return undefined;
    }
    const ms = durationMs(value);
    if (ms === undefined) {
        throw new Error(`e2e applier: ${where} is not a duration: ${JSON.stringify(value)}.`);
    }
    return Math.round(ms * 1e6);
}

/** Drops undefined values so request bodies only carry what the program set. */
function compact<T extends Record<string, unknown>>(o: T): T {
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** The name a provider gives a resource without `name`: `<logical name>-<7 hex>` (pulumi-docker autonaming). */
export function autoName(logicalName: string, given: string | undefined): string {
    return given ?? `${logicalName}-${crypto.randomBytes(4).toString("hex").slice(0, 7)}`;
}

export function networkSpec(name: string, inputs: Inputs): Record<string, unknown> {
    checkFields(TYPES.network, name, inputs, NETWORK_SHAPE);
    const ipamConfigs = (inputs.ipamConfigs ?? []) as Inputs[];
    return compact({
        Name: autoName(name, inputs.name),
        Driver: inputs.driver,
        Attachable: inputs.attachable,
        Internal: inputs.internal,
        Ingress: inputs.ingress,
        EnableIPv6: inputs.ipv6,
        CheckDuplicate: true,
        Options: inputs.options,
        Labels: labelMap(inputs.labels),
        IPAM:
            inputs.ipamDriver || ipamConfigs.length || inputs.ipamOptions
                ? compact({
                      Driver: inputs.ipamDriver ?? "default",
                      Options: inputs.ipamOptions,
                      Config: ipamConfigs.map((c) =>
                          compact({
                              Subnet: c.subnet,
                              IPRange: c.ipRange,
                              Gateway: c.gateway,
                              AuxiliaryAddresses: c.auxAddress,
                          }),
                      ),
                  })
                : undefined,
    });
}

export function volumeSpec(name: string, inputs: Inputs): Record<string, unknown> {
    checkFields(TYPES.volume, name, inputs, VOLUME_SHAPE);
    return compact({
        Name: autoName(name, inputs.name),
        Driver: inputs.driver,
        DriverOpts: inputs.driverOpts,
        Labels: labelMap(inputs.labels),
    });
}

/** Secret data must be standard base64 (as the provider validates). */
function checkBase64(type: string, name: string, data: unknown): string {
    if (typeof data !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(data) || data.length % 4 !== 0) {
        throw new Error(
            `e2e applier: ${type} "${name}": \`data\` must be standard base64 (the provider rejects anything else).`,
        );
    }
    return data;
}

export function secretSpec(name: string, inputs: Inputs): Record<string, unknown> {
    checkFields(TYPES.secret, name, inputs, SECRET_SHAPE);
    return compact({
        Name: autoName(name, inputs.name),
        Labels: labelMap(inputs.labels),
        Data: checkBase64(TYPES.secret, name, inputs.data),
    });
}

export function configSpec(name: string, inputs: Inputs): Record<string, unknown> {
    checkFields(TYPES.config, name, inputs, CONFIG_SHAPE);
    if ((inputs.data === undefined) === (inputs.dataRaw === undefined)) {
        throw new Error(`e2e applier: ${TYPES.config} "${name}": set exactly one of \`data\` and \`dataRaw\`.`);
    }
    const data =
        inputs.data !== undefined
            ? checkBase64(TYPES.config, name, inputs.data)
            : Buffer.from(String(inputs.dataRaw), "utf8").toString("base64");
    return compact({ Name: autoName(name, inputs.name), Labels: labelMap(inputs.labels), Data: data });
}

function fileTarget(f: Inputs): Record<string, unknown> {
    return compact({ Name: f.fileName, UID: f.fileUid ?? "0", GID: f.fileGid ?? "0", Mode: f.fileMode ?? 0o444 });
}

function updateSpec(name: string, u: Inputs | undefined, key: string): Record<string, unknown> | undefined {
    if (!u) {
        return undefined;
    }
    return compact({
        Parallelism: u.parallelism,
        Delay: durationNs(u.delay, `${name}.${key}.delay`),
        FailureAction: u.failureAction,
        Monitor: durationNs(u.monitor, `${name}.${key}.monitor`),
        MaxFailureRatio: u.maxFailureRatio === undefined ? undefined : Number(u.maxFailureRatio),
        Order: u.order,
    });
}

/** "KIND=VALUE" generic resources -> Engine API GenericResources. */
function genericResources(g: Inputs | undefined): unknown[] | undefined {
    if (!g) {
        return undefined;
    }
    const split = (s: string) => {
        const i = s.indexOf("=");
        return [s.slice(0, i), s.slice(i + 1)];
    };
    return [
        ...(g.discreteResourcesSpecs ?? []).map((s: string) => {
            const [k, v] = split(s);
            return { DiscreteResourceSpec: { Kind: k, Value: Number(v) } };
        }),
        ...(g.namedResourcesSpecs ?? []).map((s: string) => {
            const [k, v] = split(s);
            return { NamedResourceSpec: { Kind: k, Value: v } };
        }),
    ];
}

/** The Engine API ServiceSpec for a `docker.Service`, plus the convergence wait the provider would do. */
/** Registry credentials as the Engine API takes them (X-Registry-Auth). */
export interface RegistryAuth {
    serveraddress: string;
    username: string;
    password: string;
}

export interface MappedService {
    spec: Record<string, unknown>;
    /** Credentials the manager hands to the nodes that pull the service's image (the provider's `auth`). */
    auth?: RegistryAuth;
    converge?: { delayMs: number; timeoutMs: number };
}

export function serviceSpec(name: string, inputs: Inputs): MappedService {
    checkFields(TYPES.service, name, inputs, SERVICE_SHAPE);
    const where = `${TYPES.service} "${name}"`;
    const task = inputs.taskSpec ?? {};
    const c = task.containerSpec ?? {};
    if (!c.image) {
        throw new Error(`e2e applier: ${where}: \`taskSpec.containerSpec.image\` is required.`);
    }
    const hc = c.healthcheck;
    const res = task.resources;
    const mode = inputs.mode;
    if (mode?.global && mode?.replicated) {
        throw new Error(`e2e applier: ${where}: \`mode\` sets both global and replicated.`);
    }
    if (inputs.convergeConfig && mode?.global) {
        throw new Error(`e2e applier: ${where}: \`convergeConfig\` cannot be combined with a global service.`);
    }
    const ports = (inputs.endpointSpec?.ports ?? []) as Inputs[];
    const spec = compact({
        Name: inputs.name ?? name,
        Labels: labelMap(inputs.labels),
        Mode: mode?.global ? { Global: {} } : { Replicated: { Replicas: mode?.replicated?.replicas ?? 1 } },
        TaskTemplate: compact({
            ContainerSpec: compact({
                Image: c.image,
                Command: c.commands,
                Args: c.args,
                Env: c.env ? Object.entries(c.env).map(([k, v]) => `${k}=${v}`) : undefined,
                Dir: c.dir,
                User: c.user,
                Groups: c.groups,
                Hostname: c.hostname,
                Hosts: c.hosts?.map((h: Inputs) => `${h.ip} ${h.host}`),
                DNSConfig:
                    c.dnsConfig &&
                    compact({
                        Nameservers: c.dnsConfig.nameservers,
                        Search: c.dnsConfig.searches,
                        Options: c.dnsConfig.options,
                    }),
                ReadOnly: c.readOnly,
                Init: c.init,
                Isolation: c.isolation,
                StopSignal: c.stopSignal,
                StopGracePeriod: durationNs(c.stopGracePeriod, `${name}.stopGracePeriod`),
                CapabilityAdd: c.capAdds,
                CapabilityDrop: c.capDrops,
                Sysctls: c.sysctl,
                Labels: labelMap(c.labels),
                Secrets: c.secrets?.map((s: Inputs) =>
                    compact({ SecretID: s.secretId, SecretName: s.secretName, File: fileTarget(s) }),
                ),
                Configs: c.configs?.map((s: Inputs) =>
                    compact({ ConfigID: s.configId, ConfigName: s.configName, File: fileTarget(s) }),
                ),
                HealthCheck:
                    hc &&
                    compact({
                        Test: hc.tests,
                        Interval: durationNs(hc.interval, `${name}.healthcheck.interval`),
                        Timeout: durationNs(hc.timeout, `${name}.healthcheck.timeout`),
                        StartPeriod: durationNs(hc.startPeriod, `${name}.healthcheck.startPeriod`),
                        Retries: hc.retries,
                    }),
                Mounts: c.mounts?.map((m: Inputs) =>
                    compact({
                        Type: m.type,
                        Target: m.target,
                        Source: m.source,
                        ReadOnly: m.readOnly,
                        BindOptions: m.bindOptions && compact({ Propagation: m.bindOptions.propagation }),
                        VolumeOptions:
                            m.volumeOptions &&
                            compact({
                                NoCopy: m.volumeOptions.noCopy,
                                Labels: labelMap(m.volumeOptions.labels),
                                DriverConfig:
                                    m.volumeOptions.driverName || m.volumeOptions.driverOptions
                                        ? compact({
                                              Name: m.volumeOptions.driverName,
                                              Options: m.volumeOptions.driverOptions,
                                          })
                                        : undefined,
                            }),
                        TmpfsOptions:
                            m.tmpfsOptions &&
                            compact({ SizeBytes: m.tmpfsOptions.sizeBytes, Mode: m.tmpfsOptions.mode }),
                    }),
                ),
            }),
            Resources:
                res &&
                compact({
                    Limits:
                        res.limits && compact({ NanoCPUs: res.limits.nanoCpus, MemoryBytes: res.limits.memoryBytes }),
                    Reservations:
                        res.reservation &&
                        compact({
                            NanoCPUs: res.reservation.nanoCpus,
                            MemoryBytes: res.reservation.memoryBytes,
                            GenericResources: genericResources(res.reservation.genericResources),
                        }),
                }),
            RestartPolicy:
                task.restartPolicy &&
                compact({
                    Condition: task.restartPolicy.condition,
                    Delay: durationNs(task.restartPolicy.delay, `${name}.restartPolicy.delay`),
                    MaxAttempts: task.restartPolicy.maxAttempts,
                    Window: durationNs(task.restartPolicy.window, `${name}.restartPolicy.window`),
                }),
            Placement:
                task.placement &&
                compact({
                    Constraints: task.placement.constraints,
                    // Verbatim, as the provider does (kreuzwerker: SpreadDescriptor = the pref string): a `spread=`
                    // prefix reaches Swarm as part of the descriptor, exactly as it would in production.
                    Preferences: task.placement.prefs?.map((p: string) => ({ Spread: { SpreadDescriptor: p } })),
                    MaxReplicas: task.placement.maxReplicas,
                    Platforms: task.placement.platforms?.map((p: Inputs) => ({
                        Architecture: p.architecture,
                        OS: p.os,
                    })),
                }),
            LogDriver: task.logDriver && compact({ Name: task.logDriver.name, Options: task.logDriver.options }),
            Networks: task.networksAdvanceds?.map((n: Inputs) =>
                compact({
                    Target: n.id ?? n.name,
                    Aliases: n.aliases,
                    DriverOpts: n.driverOpts
                        ? Object.fromEntries((n.driverOpts as string[]).map((o) => o.split("=", 2)))
                        : undefined,
                }),
            ),
            ForceUpdate: task.forceUpdate,
            Runtime: task.runtime,
        }),
        UpdateConfig: updateSpec(name, inputs.updateConfig, "updateConfig"),
        RollbackConfig: updateSpec(name, inputs.rollbackConfig, "rollbackConfig"),
        EndpointSpec:
            inputs.endpointSpec &&
            compact({
                Mode: inputs.endpointSpec.mode,
                Ports: ports.length
                    ? ports.map((p) =>
                          compact({
                              Name: p.name,
                              Protocol: p.protocol ?? "tcp",
                              TargetPort: p.targetPort,
                              PublishedPort: p.publishedPort,
                              PublishMode: p.publishMode ?? "ingress",
                          }),
                      )
                    : undefined,
            }),
    });
    const cc = inputs.convergeConfig;
    const a = inputs.auth;
    return {
        spec,
        auth: a
            ? { serveraddress: a.serverAddress, username: a.username ?? "", password: a.password ?? "" }
            : undefined,
        converge: cc
            ? {
                  delayMs: durationMs(cc.delay ?? "7s") ?? 7000,
                  timeoutMs: durationMs(cc.timeout ?? "3m") ?? 180000,
              }
            : undefined,
    };
}

/** What the applier needs to build a `docker.Image` with the classic builder. */
export interface MappedImageBuild {
    imageName: string;
    /** Context directory, resolved against the project directory. */
    context: string;
    /** Dockerfile path relative to the context. */
    dockerfile: string;
    /** Query parameters of POST /build. */
    query: Record<string, string>;
    /** Where the provider would push the built image (a registry is given and `skipPush` is not set). */
    push?: RegistryAuth;
}

export function imageBuild(
    name: string,
    inputs: Inputs,
    projectDir: string,
    resolve: (a: string, b: string) => string,
): MappedImageBuild {
    checkFields(TYPES.image, name, inputs, IMAGE_SHAPE);
    const where = `${TYPES.image} "${name}"`;
    if (!inputs.imageName) {
        throw new Error(`e2e applier: ${where}: \`imageName\` is required.`);
    }
    const pushes = inputs.skipPush === false || (inputs.skipPush !== true && inputs.registry);
    if (pushes && !inputs.registry?.server) {
        throw new Error(`e2e applier: ${where}: the image is to be pushed but \`registry.server\` is not set.`);
    }
    const b = inputs.build ?? {};
    if (b.builderVersion && b.builderVersion !== "BuilderV1") {
        throw new Error(
            `e2e applier: ${where}: builderVersion ${b.builderVersion} needs BuildKit (buildx), which Debian's docker.io lacks; only the classic builder (BuilderV1) is available.`,
        );
    }
    const context = resolve(projectDir, b.context ?? ".");
    // The provider resolves `dockerfile` against the program's directory; the build API wants it relative to the context.
    const dockerfileAbs = resolve(projectDir, b.dockerfile ?? `${b.context ?? "."}/Dockerfile`);
    const rel = dockerfileAbs.startsWith(`${context}/`) ? dockerfileAbs.slice(context.length + 1) : undefined;
    if (!rel) {
        throw new Error(
            `e2e applier: ${where}: dockerfile ${dockerfileAbs} lies outside the build context ${context}.`,
        );
    }
    const query: Record<string, string> = { t: inputs.imageName, dockerfile: rel, rm: "true", forcerm: "true" };
    if (b.args) {
        query.buildargs = JSON.stringify(b.args);
    }
    if (b.target) {
        query.target = b.target;
    }
    if (b.network) {
        query.networkmode = b.network;
    }
    if (b.platform) {
        query.platform = b.platform;
    }
    if (b.addHosts?.length) {
        query.extrahosts = (b.addHosts as string[]).join(",");
    }
    if (b.cacheFrom?.images?.length) {
        query.cachefrom = JSON.stringify(b.cacheFrom.images);
    }
    const r = inputs.registry;
    const push = pushes
        ? { serveraddress: r.server as string, username: r.username ?? "", password: r.password ?? "" }
        : undefined;
    return { imageName: inputs.imageName, context, dockerfile: rel, query, push };
}

/** A real random password honouring the RandomPassword inputs (the provider's defaults: all classes on). */
export function randomPassword(name: string, inputs: Inputs): string {
    checkFields(TYPES.randomPassword, name, inputs, RANDOM_PASSWORD_SHAPE);
    const length = inputs.length;
    if (!Number.isInteger(length) || length < 1) {
        throw new Error(`e2e applier: ${TYPES.randomPassword} "${name}": \`length\` must be a positive integer.`);
    }
    const classes: { chars: string; min: number }[] = [];
    const add = (on: boolean | undefined, chars: string, min: number | undefined) => {
        if (on ?? true) {
            classes.push({ chars, min: min ?? 0 });
        }
    };
    add(inputs.upper, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", inputs.minUpper);
    add(inputs.lower, "abcdefghijklmnopqrstuvwxyz", inputs.minLower);
    add(inputs.numeric ?? inputs.number, "0123456789", inputs.minNumeric);
    add(inputs.special, inputs.overrideSpecial ?? "!@#$%&*()-_=+[]{}<>:?", inputs.minSpecial);
    if (classes.length === 0) {
        throw new Error(`e2e applier: ${TYPES.randomPassword} "${name}": every character class is disabled.`);
    }
    const pick = (chars: string) => chars[crypto.randomInt(chars.length)];
    const out: string[] = classes.flatMap((c) => Array.from({ length: c.min }, () => pick(c.chars)));
    const all = classes.map((c) => c.chars).join("");
    while (out.length < length) {
        out.push(pick(all));
    }
    // Shuffle so the minimums are not always first.
    for (let i = out.length - 1; i > 0; i--) {
        const j = crypto.randomInt(i + 1);
        [out[i], out[j]] = [out[j], out[i]];
    }
    return out.join("");
}
