import * as crypto from "crypto";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

/** A secret or config file to mount into a service's tasks. */
export interface MountedFile {
    /** Short logical name, used in the Docker object's name (`<service>-<key>-<hash>`). */
    readonly key: string;
    /** File contents (plain text; base64-encoded here). */
    readonly data: pulumi.Input<string>;
    /** Absolute path inside the container, e.g. `/run/secrets/postgres_password`. */
    readonly target: string;
    /** File mode. Defaults to 0o400 for secrets, 0o444 for configs. */
    readonly mode?: number;
    /** Owner uid inside the container. Defaults to "0". */
    readonly uid?: string;
    /** Owner gid inside the container. Defaults to "0". */
    readonly gid?: string;
}

/** First 10 hex digits of SHA-256: enough to make a new name whenever the content changes. */
export function contentHash(data: string): string {
    return crypto.createHash("sha256").update(data).digest("hex").slice(0, 10);
}

/**
 * The Docker object name for some content. Docker secrets and configs are immutable, so the name carries a content
 * hash: a rotation creates a new object, the service switches to it (rolling its tasks), then the old one is
 * deleted. A fixed name would need delete-before-replace, which fails while the object is in use.
 */
export function hashedName(prefix: string, data: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.output(data).apply((d) => `${prefix}-${contentHash(d)}`);
}

/**
 * Creates a Docker secret, parented to `parent`. Its name is left to Pulumi's autonaming (`<resourceName>-<random>`)
 * rather than a hash of the value: a hash in a name anyone can list would be a fingerprint of the secret. Changing
 * the data replaces the secret (data is immutable), and autonaming gives the replacement a fresh name, so the same
 * create-new, switch, delete-old rotation happens as with a content-hashed config.
 */
export function createRotatingSecret(resourceName: string, file: MountedFile, parent: pulumi.Resource): docker.Secret {
    const data = pulumi.secret(file.data);
    return new docker.Secret(
        resourceName,
        {
            data: data.apply((d) => Buffer.from(d, "utf8").toString("base64")),
            labels: [{ label: "sophia.secret", value: file.key }],
        },
        { parent },
    );
}

/** Creates a Docker config with a content-hashed name, parented to `parent`. */
export function createHashedConfig(
    resourceName: string,
    objectPrefix: string,
    file: MountedFile,
    parent: pulumi.Resource,
): docker.ServiceConfig {
    const data = pulumi.output(file.data);
    return new docker.ServiceConfig(
        resourceName,
        {
            name: hashedName(objectPrefix, data),
            data: data.apply((d) => Buffer.from(d, "utf8").toString("base64")),
            labels: [{ label: "sophia.config", value: file.key }],
        },
        { parent },
    );
}
