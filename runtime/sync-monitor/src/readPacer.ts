/**
 * Spaces GitHub reads evenly: request starts are at least `60 s / readsPerMinute` apart, so a check over a large
 * organisation never bursts and stays under GitHub's secondary limit (900 points per minute for REST; a read costs
 * one point, a write five).
 */
import type { Clock } from "./clock";

export class ReadPacer {
    private next = 0;
    private readonly intervalMs: number;

    constructor(
        readsPerMinute: number,
        private readonly clock: Clock,
    ) {
        this.intervalMs = 60_000 / readsPerMinute;
    }

    /** Waits for the next read slot (slots are handed out in call order). */
    async take(): Promise<void> {
        const now = this.clock.now();
        const slot = Math.max(now, this.next);
        this.next = slot + this.intervalMs;
        if (slot > now) await this.clock.sleep(slot - now);
    }
}
