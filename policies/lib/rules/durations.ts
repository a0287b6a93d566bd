/**
 * Durations as the docker provider reads them back. The provider (kreuzwerker/terraform-provider-docker v4.5.0,
 * `shortDur` in resource_docker_service_structures.go) stores every service duration it reads from Docker as Go's
 * `time.Duration.String()` with a trailing "0s" after minutes and "0m" after hours cut off: 120s -> "2m",
 * 100s -> "1m40s", 3600s -> "1h". A program that sends "120s" sees a diff on every preview (pulumi-docker#1285 class),
 * so every duration the program sends goes through `canonicalDuration`.
 *
 * This is the duration rule of program and pack alike: config validation (`converge`), SwarmService (update monitor
 * window, canonical spellings) and the pack's duration policies all parse with `durationMs`, so they cannot disagree
 * on what a duration means. It lives with the pack, which ships it.
 */

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };

/** Parses a Go/Docker duration ("1m30s", "40s", "500ms", "0") into milliseconds; `undefined` if unreadable. */
export function durationMs(value: unknown): number | undefined {
    if (typeof value !== "string" || value.length === 0) {
        return undefined;
    }
    if (value === "0") {
        return 0;
    }
    let total = 0;
    let consumed = 0;
    for (const m of value.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
        total += parseFloat(m[1]) * UNIT_MS[m[2]];
        consumed += m[0].length;
    }
    return consumed === value.length ? total : undefined;
}

/** Go's `%g`-like rendering of a number of units with up to 3 decimals and no trailing zeros ("1.5", "40"). */
function decimal(value: number): string {
    return String(Math.round(value * 1000) / 1000);
}

/** Go's `time.Duration.String()` for a whole number of milliseconds ("2m0s", "1h0m0s", "1.5s", "500ms", "0s"). */
export function goDurationString(ms: number): string {
    if (!Number.isFinite(ms) || ms < 0 || !Number.isInteger(ms)) {
        throw new Error(`A duration must be a whole, non-negative number of milliseconds, got ${ms}.`);
    }
    if (ms === 0) {
        return "0s";
    }
    if (ms < 1000) {
        return `${ms}ms`;
    }
    const hours = Math.floor(ms / 3600000);
    const minutes = Math.floor((ms % 3600000) / 60000);
    const seconds = `${decimal((ms % 60000) / 1000)}s`;
    if (hours > 0) {
        return `${hours}h${minutes}m${seconds}`;
    }
    return minutes > 0 ? `${minutes}m${seconds}` : seconds;
}

/** The provider's `shortDur`: Go's string without a trailing "0s" after minutes or "0m" after hours ("2m", "1h", "1m40s"). */
export function formatDuration(ms: number): string {
    let s = goDurationString(ms);
    if (s.endsWith("m0s")) {
        s = s.slice(0, -2);
    }
    if (s.endsWith("h0m")) {
        s = s.slice(0, -2);
    }
    return s;
}

/**
 * The canonical spelling of a duration ("120s" -> "2m", "90s" -> "1m30s"): what the provider reads back, so what the
 * program sends. Throws, naming `where`, for a value that is not a duration or not a whole number of milliseconds.
 */
export function canonicalDuration(value: string, where = "duration"): string {
    const ms = durationMs(value);
    if (ms === undefined || !Number.isInteger(ms)) {
        throw new Error(
            `\`${where}\` must be a duration such as "20s", "1m30s" or "500ms" (whole milliseconds), got ${JSON.stringify(value)}.`,
        );
    }
    return formatDuration(ms);
}

/** True when `value` is already in the canonical form the provider reads back. */
export function isCanonicalDuration(value: unknown): boolean {
    const ms = durationMs(value);
    return ms !== undefined && Number.isInteger(ms) && formatDuration(ms) === value;
}

/** Formats milliseconds for messages ("70s", "1.5s"). */
export function formatMs(ms: number): string {
    return `${ms / 1000}s`;
}
