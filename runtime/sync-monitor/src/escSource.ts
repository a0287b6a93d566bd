/** Reads the source of truth: one Pulumi ESC environment, opened at its newest revision. */
import * as esc from "@pulumi/esc-sdk";
import type { Metrics } from "./metrics";

/** A leaf value of the opened environment. */
export interface EscValue {
    readonly value: unknown;
    readonly secret: boolean;
}

/** What one read of the environment returned. */
export interface EscSnapshot {
    readonly revision: number;
    /** Leaf values by dotted path (`github.npmToken`). */
    readonly values: ReadonlyMap<string, EscValue>;
}

/** The part of `esc.EscApi` the monitor uses (lets tests and the benchmark count calls). */
export type EscClient = Pick<
    esc.EscApi,
    "getEnvironmentRevisionTag" | "openEnvironmentAtVersion" | "readOpenEnvironment"
>;

/**
 * Creates the ESC client. The SDK's constructor rebuilds `basePath` from protocol and hostname only (dropping the port
 * and any path), so the intended URL is set again afterwards; requests read `config.basePath` at call time.
 */
export function createEscClient(backendUrl: string, accessToken: string): esc.EscApi {
    const client = new esc.EscApi(new esc.Configuration({ accessToken, basePath: backendUrl }));
    client.config.basePath = `${backendUrl.replace(/\/+$/, "")}/api/esc`;
    return client;
}

type Prop = { value?: unknown; secret?: boolean };

function flatten(
    props: Record<string, Prop> | undefined,
    prefix: string,
    parentSecret: boolean,
    out: Map<string, EscValue>,
): void {
    for (const [k, p] of Object.entries(props ?? {})) {
        const path = prefix ? `${prefix}.${k}` : k;
        const secret = parentSecret || p?.secret === true;
        const v = p?.value;
        if (v && typeof v === "object" && !Array.isArray(v)) {
            flatten(v as Record<string, Prop>, path, secret, out);
        } else if (Array.isArray(v)) {
            out.set(path, { value: v.map((e) => unwrap(e)), secret: secret || v.some((e) => containsSecret(e)) });
        } else {
            out.set(path, { value: v, secret });
        }
    }
}

function unwrap(p: unknown): unknown {
    const v = (p as Prop)?.value;
    if (Array.isArray(v)) return v.map(unwrap);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrap(x)]));
    return v;
}

function containsSecret(p: unknown): boolean {
    const prop = p as Prop;
    if (prop?.secret) return true;
    const v = prop?.value;
    if (Array.isArray(v)) return v.some(containsSecret);
    if (v && typeof v === "object") return Object.values(v).some(containsSecret);
    return false;
}

async function timed<T>(metrics: Metrics | undefined, route: string, method: string, fn: () => Promise<T>): Promise<T> {
    const end = metrics?.apiDuration.startTimer({ api: "esc", route, method });
    try {
        const r = await fn();
        end?.({ status: "2xx" });
        return r;
    } catch (e) {
        const status = (e as { response?: { status?: number } })?.response?.status;
        end?.({ status: status ? String(status) : "error" });
        throw e;
    }
}

/**
 * Resolves the built-in `latest` revision tag, then opens and reads exactly that revision so values and revision
 * agree even if the environment changes meanwhile. Three calls: tag, open at version, read.
 */
export async function readEsc(
    client: EscClient,
    org: string,
    project: string,
    env: string,
    metrics?: Metrics,
): Promise<EscSnapshot> {
    const tag = await timed(metrics, "/environments/{org}/{project}/{env}/versions/tags/{tag}", "GET", () =>
        client.getEnvironmentRevisionTag(org, project, env, "latest"),
    );
    const revision = tag?.revision ?? 0;
    if (!revision) throw new Error(`ESC environment ${org}/${project}/${env} has no latest revision`);
    const opened = await timed(metrics, "/environments/{org}/{project}/{env}/versions/{version}/open", "POST", () =>
        client.openEnvironmentAtVersion(org, project, env, String(revision)),
    );
    if (!opened?.id) throw new Error(`ESC environment ${org}/${project}/${env} could not be opened`);
    const read = await timed(metrics, "/environments/{org}/{project}/{env}/open/{id}", "GET", () =>
        client.readOpenEnvironment(org, project, env, opened.id),
    );
    const values = new Map<string, EscValue>();
    flatten(read?.environment?.properties as Record<string, Prop> | undefined, "", false, values);
    return { revision, values };
}
