/** Read-only helpers over a `docker:index/service:Service`'s properties (inputs in resource policies, outputs in stack policies). */

/** The parts of the Service shape the pack reads. Everything optional: policies must cope with missing fields. */
export interface ServiceProps {
    name?: string;
    labels?: { label: string; value: string }[];
    mode?: { global?: boolean; replicated?: { replicas?: number } };
    taskSpec?: {
        containerSpec?: {
            image?: string;
            commands?: string[];
            args?: string[];
            env?: Record<string, unknown>;
            secrets?: { secretId?: string; secretName?: string; fileName?: string }[];
            healthcheck?: {
                tests?: string[];
                interval?: string;
                timeout?: string;
                startPeriod?: string;
                retries?: number;
            };
            mounts?: { type?: string; target?: string; source?: string; tmpfsOptions?: { sizeBytes?: number } }[];
            stopGracePeriod?: string;
            user?: string;
            readOnly?: boolean;
            capAdds?: string[];
            capDrops?: string[];
        };
        resources?: {
            limits?: { nanoCpus?: number; memoryBytes?: number };
            reservation?: {
                nanoCpus?: number;
                memoryBytes?: number;
                genericResources?: { discreteResourcesSpecs?: string[]; namedResourcesSpecs?: string[] };
            };
        };
        placement?: { constraints?: string[]; prefs?: string[] };
        networksAdvanceds?: { id?: string; name?: string }[];
        restartPolicy?: { condition?: string; delay?: string; maxAttempts?: number; window?: string };
    };
    updateConfig?: { failureAction?: string; monitor?: string; delay?: string };
    rollbackConfig?: { failureAction?: string; monitor?: string; delay?: string };
    convergeConfig?: { delay?: string; timeout?: string };
    auth?: { serverAddress?: string; username?: string; password?: string };
    endpointSpec?: {
        mode?: string;
        ports?: { targetPort?: number; publishedPort?: number; publishMode?: string; protocol?: string }[];
    };
}

/** The Docker service name, falling back to the Pulumi resource name. */
export function serviceName(props: ServiceProps, resourceName: string): string {
    return typeof props.name === "string" && props.name ? props.name : resourceName;
}

/** The service labels as a map. */
export function serviceLabels(props: ServiceProps): Record<string, string> {
    const out: Record<string, string> = {};
    for (const l of Array.isArray(props.labels) ? props.labels : []) {
        if (l && typeof l.label === "string") {
            out[l.label] = String(l.value);
        }
    }
    return out;
}

/** The container's command line: entrypoint override followed by args. */
export function commandLine(props: ServiceProps): string[] {
    const cs = props.taskSpec?.containerSpec;
    const words = [...(Array.isArray(cs?.commands) ? cs!.commands : []), ...(Array.isArray(cs?.args) ? cs!.args : [])];
    return words.filter((w): w is string => typeof w === "string");
}

/** A parsed image reference (`[registry/]repo[:tag][@digest]`). */
export interface ImageRef {
    /** Repository without tag or digest. */
    readonly repository: string;
    readonly tag?: string;
    readonly digest?: string;
}

/** Splits an image reference; the tag is the part after the last `:` that follows the last `/` (so `host:5000/x` is no tag). */
export function parseImage(image: string): ImageRef {
    const at = image.indexOf("@");
    const digest = at >= 0 ? image.slice(at + 1) : undefined;
    const nameTag = at >= 0 ? image.slice(0, at) : image;
    const colon = nameTag.lastIndexOf(":");
    const tag = colon > nameTag.lastIndexOf("/") ? nameTag.slice(colon + 1) : undefined;
    const repository = tag !== undefined ? nameTag.slice(0, colon) : nameTag;
    return { repository, tag, digest };
}

/** True when the reference carries a full sha256 content digest. */
export function hasDigest(ref: ImageRef): boolean {
    return ref.digest !== undefined && /^sha256:[0-9a-f]{64}$/.test(ref.digest);
}

/** True for a local image id (`sha256:<64 hex>`): what docker.Image reports as repoDigest when it does not push. */
export function isImageId(image: string): boolean {
    return /^sha256:[0-9a-f]{64}$/.test(image);
}

/** Last path segment of the repository (`docker.io/library/redis` -> `redis`). */
export function imageBaseName(image: string): string {
    const repo = parseImage(image).repository;
    return repo.slice(repo.lastIndexOf("/") + 1);
}

/** Redis is recognised by its image (`redis`, `redis/redis-stack-server`, ...) or a `redis-server` command line. */
export function isRedis(props: ServiceProps): boolean {
    const image = props.taskSpec?.containerSpec?.image;
    const base = typeof image === "string" ? imageBaseName(image) : "";
    return (
        base === "redis" ||
        base === "redis-stack-server" ||
        base === "valkey" ||
        commandLine(props).some((w) => w === "redis-server" || w.endsWith("/redis-server"))
    );
}

/** Postgres is recognised by its image (`postgres`, `postgis/postgis`, `timescaledb`) or a `postgres` command line. */
export function isPostgres(props: ServiceProps): boolean {
    const image = props.taskSpec?.containerSpec?.image;
    const base = typeof image === "string" ? imageBaseName(image) : "";
    const words = commandLine(props);
    return base === "postgres" || base === "postgis" || base === "timescaledb" || words[0] === "postgres";
}

/** Value of `--flag value` (or `--flag=value`) in a command line; the last occurrence wins, as in redis-server. */
export function flagValue(words: string[], flag: string): string | undefined {
    let found: string | undefined;
    words.forEach((w, i) => {
        if (w === flag && i + 1 < words.length) {
            found = words[i + 1];
        } else if (w.startsWith(`${flag}=`)) {
            found = w.slice(flag.length + 1);
        }
    });
    return found;
}

/** Postgres `-c name=value` settings from a command line (later ones win, as in postgres). */
export function postgresSettings(words: string[]): Record<string, string> {
    const out: Record<string, string> = {};
    words.forEach((w, i) => {
        let kv: string | undefined;
        if (w === "-c" && i + 1 < words.length) {
            kv = words[i + 1];
        } else if (w.startsWith("--") && w.includes("=")) {
            kv = w.slice(2);
        }
        const eq = kv?.indexOf("=") ?? -1;
        if (kv && eq > 0) {
            out[kv.slice(0, eq).replace(/-/g, "_")] = kv.slice(eq + 1);
        }
    });
    return out;
}
