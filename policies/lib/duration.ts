const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };

/**
 * Parses a Go/Docker duration ("1m30s", "40s", "500ms") into milliseconds; `undefined` if unreadable.
 * (components/swarmService.ts has the same parser, but importing it would load @pulumi/docker into the pack.)
 */
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

/** Formats milliseconds for messages ("70s", "1.5s"). */
export function formatMs(ms: number): string {
    return `${ms / 1000}s`;
}
