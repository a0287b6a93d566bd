import * as path from "path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

/** Where an image is pushed. */
export interface RegistryArgs {
    /** Registry host, e.g. "ghcr.io". */
    readonly server: string;
    /** Repository path under the server, e.g. "sophia-ai". */
    readonly repository: string;
    readonly username?: string;
    /** Registry password or token (secret). */
    readonly password?: pulumi.Input<string>;
}

export interface RuntimeImageArgs {
    /** Directory name under runtime/ (its Dockerfile and build context), e.g. "chat-cache". */
    readonly service: string;
    /** Absolute path of the runtime/ directory. */
    readonly runtimeDir: string;
    /** Tag to build, normally the service's package.json version. */
    readonly tag: string;
    /** Base image passed as the BASE_IMAGE build argument (pinned). */
    readonly baseImage: string;
    /** Push to this registry (prod). Without it the image stays in the local engine (dev). */
    readonly registry?: RegistryArgs;
}

/** The reference a service should run: `<repo>@sha256:...` after a push, the local image id otherwise. */
export function imageRepository(args: Pick<RuntimeImageArgs, "service" | "registry">): string {
    return args.registry
        ? `${args.registry.server}/${args.registry.repository}/${args.service}`
        : `sophia/${args.service}`;
}

/**
 * Builds one runtime container from `runtime/<service>` with its own Dockerfile (classic builder: it builds FROM
 * locally imported base images and needs no buildx plugin) and, in prod, pushes it. Services run `repoDigest`, so
 * a code change produces a new digest and rolls only the services that run this image.
 */
export class RuntimeImage extends pulumi.ComponentResource {
    /** Image name with tag. */
    public readonly imageName: pulumi.Output<string>;
    /** Digest reference to deploy. */
    public readonly repoDigest: pulumi.Output<string>;

    constructor(name: string, args: RuntimeImageArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("sophia:runtime:RuntimeImage", name, {}, opts);
        if (!/^[a-z0-9][a-z0-9-]*$/.test(args.service)) {
            throw new Error(
                `\`service\` must be a directory name under runtime/ (lower case, digits, '-'), got ${JSON.stringify(args.service)}.`,
            );
        }
        const context = path.join(args.runtimeDir, args.service);
        const image = new docker.Image(
            `${name}-image`,
            {
                imageName: `${imageRepository(args)}:${args.tag}`,
                build: {
                    context,
                    dockerfile: path.join(context, "Dockerfile"),
                    args: { BASE_IMAGE: args.baseImage },
                    builderVersion: "BuilderV1",
                    platform: "linux/amd64",
                },
                skipPush: args.registry === undefined,
                registry: args.registry && {
                    server: args.registry.server,
                    username: args.registry.username,
                    // Marked secret here: the SDK does not mark it, and it would otherwise sit in state in plain text.
                    password: args.registry.password === undefined ? undefined : pulumi.secret(args.registry.password),
                },
            },
            { parent: this },
        );

        this.imageName = image.imageName;
        this.repoDigest = image.repoDigest;
        this.registerOutputs({ imageName: this.imageName, repoDigest: this.repoDigest });
    }
}
