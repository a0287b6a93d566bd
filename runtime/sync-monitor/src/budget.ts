/**
 * Global write budget for GitHub mutations: serial, at least `minIntervalMs` apart, at most `perMinute` and
 * `perHour` (GitHub's content-creation limits are 80/min and 500/h), and paused after a rate-limit answer until its
 * `retry-after` / `x-ratelimit-reset`.
 */
import type { Clock } from "./clock";

export interface BudgetLimits {
    readonly perMinute: number;
    readonly perHour: number;
    readonly minIntervalMs: number;
}

/** Why a write may not run now. */
export type BudgetDenial = "minute_budget" | "hour_budget" | "rate_limited";

export class WriteBudget {
    private stamps: number[] = [];
    private blockedUntil = 0;
    private queue: Promise<unknown> = Promise.resolve();

    constructor(
        private readonly limits: BudgetLimits,
        private readonly clock: Clock,
    ) {}

    /** Writes used in the last hour. */
    get usedLastHour(): number {
        const now = this.clock.now();
        return this.stamps.filter((t) => t > now - 3_600_000).length;
    }

    /**
     * Reserves one write slot, waiting for the minimum spacing. Resolves to a denial instead of waiting minutes when
     * the per-minute/per-hour budget is spent or GitHub asked us to back off; the caller defers to the next check.
     */
    acquire(): Promise<BudgetDenial | undefined> {
        const run = this.queue.then(async () => {
            let now = this.clock.now();
            this.stamps = this.stamps.filter((t) => t > now - 3_600_000);
            if (now < this.blockedUntil) return "rate_limited" as const;
            if (this.stamps.length >= this.limits.perHour) return "hour_budget" as const;
            if (this.stamps.filter((t) => t > now - 60_000).length >= this.limits.perMinute)
                return "minute_budget" as const;
            const last = this.stamps[this.stamps.length - 1];
            if (last !== undefined && now - last < this.limits.minIntervalMs) {
                await this.clock.sleep(this.limits.minIntervalMs - (now - last));
                now = this.clock.now();
            }
            this.stamps.push(now);
            return undefined;
        });
        this.queue = run.catch(() => undefined);
        return run;
    }

    /** Pauses writes after a 403/429 answer, honouring `retry-after`, then `x-ratelimit-reset`, else 60 s. */
    backOff(headers: Record<string, unknown> | undefined): void {
        const now = this.clock.now();
        const retryAfter = Number(headers?.["retry-after"]);
        const reset = Number(headers?.["x-ratelimit-reset"]);
        let until = now + 60_000;
        if (Number.isFinite(retryAfter) && retryAfter > 0) until = now + retryAfter * 1000;
        else if (headers?.["x-ratelimit-remaining"] === "0" && Number.isFinite(reset) && reset > 0)
            until = reset * 1000;
        this.blockedUntil = Math.max(this.blockedUntil, until);
    }

    /** Epoch ms until which writes are paused (0 when not paused). */
    get pausedUntil(): number {
        return this.blockedUntil;
    }
}
