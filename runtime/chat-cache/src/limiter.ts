import { HttpError } from "./errors";

/** Releases a slot taken with `acquire`; idempotent. */
export type Release = () => void;

/**
 * Concurrency limit for upstream calls with a bounded FIFO queue. Only upstream calls take slots (cache hits never
 * reach it). Beyond the queue bound `acquire` rejects with a 429 `HttpError` carrying `retry-after`.
 */
export class UpstreamLimiter {
    private active = 0;
    private readonly queue: Array<{ resolve: (r: Release) => void; reject: (e: Error) => void }> = [];

    constructor(
        private readonly max: number,
        private readonly maxQueue: number,
        private readonly onChange: (active: number, queued: number) => void = () => undefined,
    ) {}

    get inFlight(): number {
        return this.active;
    }

    get queued(): number {
        return this.queue.length;
    }

    private release(): Release {
        let done = false;
        return () => {
            if (done) return;
            done = true;
            const next = this.queue.shift();
            if (next) next.resolve(this.release());
            else this.active--;
            this.onChange(this.active, this.queue.length);
        };
    }

    /** Takes a slot, waiting in the queue if needed; `signal` removes a waiter whose callers all left. */
    acquire(signal?: AbortSignal): Promise<Release> {
        if (this.active < this.max) {
            this.active++;
            this.onChange(this.active, this.queue.length);
            return Promise.resolve(this.release());
        }
        if (this.queue.length >= this.maxQueue) {
            return Promise.reject(
                new HttpError(
                    429,
                    `The proxy's upstream queue is full (UPSTREAM_MAX_QUEUE=${this.maxQueue}); retry shortly.`,
                    "rate_limit_error",
                    null,
                    "upstream_queue_full",
                    { "retry-after": "1" },
                ),
            );
        }
        return new Promise<Release>((resolve, reject) => {
            const waiter = { resolve, reject };
            this.queue.push(waiter);
            this.onChange(this.active, this.queue.length);
            signal?.addEventListener(
                "abort",
                () => {
                    const i = this.queue.indexOf(waiter);
                    if (i >= 0) {
                        this.queue.splice(i, 1);
                        this.onChange(this.active, this.queue.length);
                        reject(new Error("aborted while queued"));
                    }
                },
                { once: true },
            );
        });
    }
}
