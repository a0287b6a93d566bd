import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

/** A secret or config file to mount into a service's tasks. */
export interface MountedFile {
    /** Short logical name, used in the Pulumi resource name (`<component>-config-<key>`) and the object's label. */
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

/**
 * Creates a Docker config, parented to `parent`, autonamed (`<resourceName>-<random>`) like the secrets. Config data
 * is immutable, so a content change replaces the config; with an autoname the replacement is created first, the
 * service switches to it, then the old one is deleted. An explicit name (even a content-hashed one) makes the bridged
 * provider replace delete-first, and Docker refuses to delete a config a service still uses.
 */
export function createRotatingConfig(
    resourceName: string,
    file: MountedFile,
    parent: pulumi.Resource,
): docker.ServiceConfig {
    const data = pulumi.output(file.data);
    return new docker.ServiceConfig(
        resourceName,
        {
            data: data.apply((d) => Buffer.from(d, "utf8").toString("base64")),
            labels: [{ label: "sophia.config", value: file.key }],
        },
        { parent },
    );
}
