/**
 * What the e2e expects of each running container's security settings, and how it reads them: the Engine API's
 * container inspect (HostConfig, Config) and, for what the inspect does not show (no-new-privileges set daemon-wide,
 * effective capabilities and uid, the init as PID 1), the container's PID 1 in the host's /proc. The test runs as root
 * on the host of the private dockerd, so /proc/<State.Pid> is that process.
 */
import * as fs from "fs";

/** Per service: the user it runs as and whether Docker's init is its PID 1. Every service gets CIS 5.13/5.4/5.26. */
export interface ExpectedHardening {
    /** `uid:gid` (or uid) the plan sets and the container runs as (CIS 4.1). */
    readonly user: string;
    /** Docker's init as PID 1 (a Node process does not reap orphaned children). */
    readonly init: boolean;
}

/**
 * The dev stack's services as the e2e deploys them. A planned service missing here fails the check, so a new service
 * gets a row (and a decision) rather than passing unexamined.
 */
export const EXPECTED_HARDENING: Readonly<Record<string, ExpectedHardening>> = {
    postgres: { user: "999:999", init: false },
    redis: { user: "999:999", init: false },
    "chat-cache": { user: "1000:1000", init: true },
    "sync-monitor": { user: "1000:1000", init: true },
    // The overlay prober of the dev stack's one overlay network (a Node runtime service like the two above).
    "overlay-probe-sophia-overlay": { user: "1000:1000", init: true },
    prometheus: { user: "65534:65534", init: false },
    alertmanager: { user: "65534:65534", init: false },
    "node-exporter": { user: "65534:65534", init: false },
    "redis-exporter": { user: "59000:59000", init: false },
    "postgres-exporter": { user: "65534:65534", init: false },
};

/** The CIS Docker Benchmark 1.6.0 checks (Docker Bench for Security v1.6.0 numbering) the e2e proves per container. */
export const CIS = {
    user: "4.1 a user for the container",
    capabilities: "5.4 kernel capabilities restricted",
    privileged: "5.5 no privileged container",
    readOnlyRoot: "5.13 root filesystem read-only",
    noNewPrivileges: "5.26 no acquiring new privileges",
} as const;

/** The fields of /proc/<pid>/status the checks read. */
export interface ProcStatus {
    /** Effective uid. */
    readonly uid: number;
    /** Effective gid. */
    readonly gid: number;
    /** Effective capability set (hex). */
    readonly capEff: string;
    /** Bounding capability set (hex). */
    readonly capBnd: string;
    /** 1 when no-new-privileges is set. */
    readonly noNewPrivs: number;
    /** The process name. */
    readonly name: string;
}

/** Reads /proc/<pid>/status of a host pid. */
export function procStatus(pid: number): ProcStatus {
    const text = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const field = (name: string): string => {
        const m = new RegExp(`^${name}:\\s*(.*)$`, "m").exec(text);
        if (!m) {
            throw new Error(`/proc/${pid}/status has no ${name} line`);
        }
        return m[1].trim();
    };
    // Uid/Gid lines are "real effective saved fs".
    return {
        uid: Number(field("Uid").split(/\s+/)[1]),
        gid: Number(field("Gid").split(/\s+/)[1]),
        capEff: field("CapEff"),
        capBnd: field("CapBnd"),
        noNewPrivs: Number(field("NoNewPrivs")),
        name: field("Name"),
    };
}

/** Host pids of the direct children of a host pid (from /proc/<pid>/task/<pid>/children). */
export function childPids(pid: number): number[] {
    const text = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
    return text ? text.split(/\s+/).map(Number) : [];
}
