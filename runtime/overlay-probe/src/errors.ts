/** Invalid service configuration; the message names the variable and the fix. */
export class ConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ConfigError";
    }
}

/** A probe that did not complete; `reason` is a fixed word for logs (never peer data). */
export class ProbeError extends Error {
    constructor(
        public readonly reason: "timeout" | "refused" | "reset" | "protocol" | "unreachable",
        message: string,
    ) {
        super(message);
        this.name = "ProbeError";
    }
}
