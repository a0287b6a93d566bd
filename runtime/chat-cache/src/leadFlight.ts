import type { IncomingHttpHeaders } from "node:http";
import type { Logger } from "pino";
import type { Flight, FlightDeps, Outcome } from "./flight";
import type { Lease, ReplicaCoordinator } from "./replicas";
import type { CacheStore, Entry } from "./store";

/** What leading a coalesced flight needs. */
export interface LeadDeps {
    flightDeps: FlightDeps;
    store: CacheStore;
    logger: Logger;
    /** Absent: coalescing stays within this process. */
    coordinator?: ReplicaCoordinator;
}

/** One cold key's call, as this replica leads it. */
export interface LeadRequest {
    flight: Flight;
    hash: string;
    body: string;
    headers: IncomingHttpHeaders;
    /** Whether an entry stored meanwhile may answer (false when the request bounds the entry's age). */
    acceptStored: boolean;
    /** Stores a finished answer when cacheable; returns the entry it stored. */
    writeBack: (outcome: Outcome) => Entry | undefined;
}

/** How many times a replica re-tries the lease after its leader was lost (each try may follow a new leader). */
const MAX_TAKEOVER_TRIES = 3;

/**
 * Settles a coalesced flight: across replicas through the Redis lease when a coordinator is there (follow the holder,
 * take over when it dies, call the upstream ourselves when released or when Redis fails), else with one upstream call
 * from this process. Resolves when the flight settled and its answer was stored.
 */
export async function leadFlight(deps: LeadDeps, req: LeadRequest): Promise<void> {
    const { flight, hash } = req;
    const coordinator = deps.coordinator;
    let leaderLost = false;
    for (let i = 0; coordinator && i < MAX_TAKEOVER_TRIES; i++) {
        const lease = await coordinator.acquire(hash, req.acceptStored);
        if (lease.kind === "acquired") {
            if (leaderLost) coordinator.metrics.replicaTakeovers.inc();
            flight.remote = false;
            return runUnderLease(deps, req, lease.lease);
        }
        if (lease.kind === "stored") {
            const found = await deps.store.get(hash);
            if (found && deps.store.isFresh(found.entry)) {
                flight.remote = true;
                flight.finish({ kind: "ok", completion: found.entry.completion, headers: {} });
                return;
            }
            break;
        }
        if (lease.kind === "unavailable") break;
        flight.remote = true;
        const followed = await coordinator.follow(hash, lease.token, flight);
        if (followed.kind === "settled") {
            if (followed.entry) {
                const e = followed.entry;
                deps.store.setLocal(hash, { ...e, body: Buffer.from(JSON.stringify(e.completion)) });
            }
            return;
        }
        if (followed.kind !== "leader-lost") break;
        leaderLost = true;
    }
    flight.remote = false;
    const outcome = await flight.run(deps.flightDeps, req.body, req.headers);
    req.writeBack(outcome);
}

async function runUnderLease(deps: LeadDeps, req: LeadRequest, lease: Lease): Promise<void> {
    const { flight } = req;
    flight.tap = (msg) => lease.publish(msg);
    let entry: Entry | undefined;
    let outcome: Outcome | undefined;
    try {
        outcome = await flight.run(deps.flightDeps, req.body, req.headers);
        entry = req.writeBack(outcome);
    } finally {
        flight.tap = undefined;
        // Waiting replicas must always hear how it ended: the answer, "released" (not cacheable) or the error.
        lease.publish({
            t: "done",
            outcome: outcome ??
                flight.outcome ?? {
                    kind: "stream-failed",
                    error: {
                        error: {
                            message: "The leading replica failed.",
                            type: "server_error",
                            param: null,
                            code: null,
                        },
                    },
                    reason: "internal",
                },
            cacheable: entry !== undefined,
            storedAt: entry?.storedAt,
            ttl: entry?.ttl,
        });
        lease.release();
    }
}
