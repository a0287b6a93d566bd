/**
 * Whitelists of the @pulumi/docker (and @pulumi/random) input fields the e2e applier maps to the Docker Engine API.
 * Anything else in a resource's inputs is an error that names the resource and the field: a field the applier does
 * not understand would otherwise be silently dropped, and the e2e would prove less than it claims.
 */

/** A field shape: a leaf value, a nested object, a list of objects, or a free-form string map (env, options). */
export type FieldShape = "leaf" | "map" | { readonly object: Shape } | { readonly list: Shape };
/** Allowed keys of an object and their shapes. */
export type Shape = { readonly [key: string]: FieldShape };

/** Thrown when a resource has an input the applier does not map. */
export class UnmappedFieldError extends Error {
    constructor(resourceType: string, resourceName: string, field: string) {
        super(
            `e2e applier: ${resourceType} "${resourceName}" has input field \`${field}\`, which the applier does not map to the Docker Engine API. Map it in test/e2e/applier/specs.ts (and add it to the whitelist in fields.ts) instead of dropping it.`,
        );
        this.name = "UnmappedFieldError";
    }
}

const obj = (shape: Shape): FieldShape => ({ object: shape });
const list = (shape: Shape): FieldShape => ({ list: shape });
const labelList = list({ label: "leaf", value: "leaf" });

const fileRef: Shape = { fileName: "leaf", fileUid: "leaf", fileGid: "leaf", fileMode: "leaf" };
const updateShape: Shape = {
    parallelism: "leaf",
    delay: "leaf",
    failureAction: "leaf",
    monitor: "leaf",
    maxFailureRatio: "leaf",
    order: "leaf",
};

/** `docker:index/service:Service` inputs. */
export const SERVICE_SHAPE: Shape = {
    name: "leaf",
    auth: obj({ serverAddress: "leaf", username: "leaf", password: "leaf" }),
    labels: labelList,
    mode: obj({ global: "leaf", replicated: obj({ replicas: "leaf" }) }),
    taskSpec: obj({
        containerSpec: obj({
            image: "leaf",
            commands: "leaf",
            args: "leaf",
            env: "map",
            dir: "leaf",
            user: "leaf",
            groups: "leaf",
            hostname: "leaf",
            hosts: list({ host: "leaf", ip: "leaf" }),
            dnsConfig: obj({ nameservers: "leaf", searches: "leaf", options: "leaf" }),
            readOnly: "leaf",
            init: "leaf",
            isolation: "leaf",
            stopSignal: "leaf",
            stopGracePeriod: "leaf",
            capAdds: "leaf",
            capDrops: "leaf",
            sysctl: "map",
            labels: labelList,
            secrets: list({ secretId: "leaf", secretName: "leaf", ...fileRef }),
            configs: list({ configId: "leaf", configName: "leaf", ...fileRef }),
            healthcheck: obj({
                tests: "leaf",
                interval: "leaf",
                timeout: "leaf",
                startPeriod: "leaf",
                retries: "leaf",
            }),
            mounts: list({
                type: "leaf",
                target: "leaf",
                source: "leaf",
                readOnly: "leaf",
                bindOptions: obj({ propagation: "leaf" }),
                volumeOptions: obj({ noCopy: "leaf", labels: labelList, driverName: "leaf", driverOptions: "map" }),
                tmpfsOptions: obj({ sizeBytes: "leaf", mode: "leaf" }),
            }),
        }),
        resources: obj({
            limits: obj({ nanoCpus: "leaf", memoryBytes: "leaf" }),
            reservation: obj({
                nanoCpus: "leaf",
                memoryBytes: "leaf",
                genericResources: obj({ discreteResourcesSpecs: "leaf", namedResourcesSpecs: "leaf" }),
            }),
        }),
        restartPolicy: obj({ condition: "leaf", delay: "leaf", maxAttempts: "leaf", window: "leaf" }),
        placement: obj({
            constraints: "leaf",
            prefs: "leaf",
            maxReplicas: "leaf",
            platforms: list({ architecture: "leaf", os: "leaf" }),
        }),
        logDriver: obj({ name: "leaf", options: "map" }),
        networksAdvanceds: list({ id: "leaf", name: "leaf", aliases: "leaf", driverOpts: "leaf" }),
        forceUpdate: "leaf",
        runtime: "leaf",
    }),
    updateConfig: obj(updateShape),
    rollbackConfig: obj(updateShape),
    endpointSpec: obj({
        mode: "leaf",
        ports: list({ targetPort: "leaf", publishedPort: "leaf", publishMode: "leaf", protocol: "leaf", name: "leaf" }),
    }),
    convergeConfig: obj({ delay: "leaf", timeout: "leaf" }),
};

/** `docker:index/network:Network` inputs. */
export const NETWORK_SHAPE: Shape = {
    name: "leaf",
    driver: "leaf",
    attachable: "leaf",
    internal: "leaf",
    ingress: "leaf",
    ipv6: "leaf",
    ipamDriver: "leaf",
    ipamOptions: "map",
    ipamConfigs: list({ subnet: "leaf", ipRange: "leaf", gateway: "leaf", auxAddress: "map" }),
    options: "map",
    labels: labelList,
};

/** `docker:index/secret:Secret` inputs. */
export const SECRET_SHAPE: Shape = { name: "leaf", data: "leaf", labels: labelList };

/** `docker:index/serviceConfig:ServiceConfig` inputs. */
export const CONFIG_SHAPE: Shape = { name: "leaf", data: "leaf", dataRaw: "leaf", labels: labelList };

/** `docker:index/volume:Volume` inputs. */
export const VOLUME_SHAPE: Shape = { name: "leaf", driver: "leaf", driverOpts: "map", labels: labelList };

/** `docker:index/image:Image` inputs (a build, pushed when a registry is given and `skipPush` is not set). */
export const IMAGE_SHAPE: Shape = {
    imageName: "leaf",
    skipPush: "leaf",
    buildOnPreview: "leaf",
    registry: obj({ server: "leaf", username: "leaf", password: "leaf" }),
    build: obj({
        context: "leaf",
        dockerfile: "leaf",
        args: "map",
        target: "leaf",
        network: "leaf",
        platform: "leaf",
        builderVersion: "leaf",
        addHosts: "leaf",
        cacheFrom: obj({ images: "leaf" }),
    }),
};

/** `random:index/randomPassword:RandomPassword` inputs. */
export const RANDOM_PASSWORD_SHAPE: Shape = {
    length: "leaf",
    special: "leaf",
    upper: "leaf",
    lower: "leaf",
    numeric: "leaf",
    number: "leaf",
    minUpper: "leaf",
    minLower: "leaf",
    minNumeric: "leaf",
    minSpecial: "leaf",
    overrideSpecial: "leaf",
    keepers: "map",
};

/** Throws UnmappedFieldError for the first input key (at any depth) that the shape does not allow. */
export function checkFields(
    resourceType: string,
    resourceName: string,
    inputs: unknown,
    shape: Shape,
    prefix = "",
): void {
    if (inputs === undefined || inputs === null) {
        return;
    }
    if (typeof inputs !== "object" || Array.isArray(inputs)) {
        throw new Error(
            `e2e applier: ${resourceType} "${resourceName}": \`${prefix || "inputs"}\` should be an object, got ${JSON.stringify(inputs)}.`,
        );
    }
    for (const [key, value] of Object.entries(inputs as Record<string, unknown>)) {
        const path = prefix ? `${prefix}.${key}` : key;
        const field = shape[key];
        if (field === undefined) {
            throw new UnmappedFieldError(resourceType, resourceName, path);
        }
        if (value === undefined || value === null || field === "leaf" || field === "map") {
            continue;
        }
        if ("object" in field) {
            checkFields(resourceType, resourceName, value, field.object, path);
        } else {
            if (!Array.isArray(value)) {
                throw new Error(
                    `e2e applier: ${resourceType} "${resourceName}": \`${path}\` should be a list, got ${JSON.stringify(value)}.`,
                );
            }
            value.forEach((item, i) => checkFields(resourceType, resourceName, item, field.list, `${path}[${i}]`));
        }
    }
}
