/** Time source, injectable so tests and the benchmark never wait on real sleeps. */
export interface Clock {
    now(): number;
    sleep(ms: number): Promise<void>;
}

/** Wall clock. */
export const systemClock: Clock = {
    now: () => Date.now(),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};
