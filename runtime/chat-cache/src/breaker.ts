/** Circuit breaker: after `threshold` consecutive failures, skip the dependency for `cooldownMs`, then let one probe through. */
export class CircuitBreaker {
    private failures = 0;
    private openUntil = 0;
    private probing = false;

    constructor(
        private readonly threshold: number,
        private readonly cooldownMs: number,
        private readonly onChange: (open: boolean) => void = () => undefined,
        private readonly now: () => number = Date.now,
    ) {}

    /** Whether a call may be attempted now. */
    allow(): boolean {
        if (this.openUntil === 0) return true;
        if (this.now() < this.openUntil || this.probing) return false;
        this.probing = true;
        return true;
    }

    success(): void {
        this.failures = 0;
        this.probing = false;
        if (this.openUntil !== 0) {
            this.openUntil = 0;
            this.onChange(false);
        }
    }

    failure(): void {
        this.failures++;
        const wasOpen = this.openUntil !== 0;
        if (this.probing || this.failures >= this.threshold) {
            this.probing = false;
            this.openUntil = this.now() + this.cooldownMs;
            if (!wasOpen) this.onChange(true);
        }
    }

    get isOpen(): boolean {
        return this.openUntil !== 0;
    }
}
