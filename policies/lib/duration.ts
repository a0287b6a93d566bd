/** Duration helpers of the pack: the program's own canonical-duration rule (components/duration.ts, a pure module). */
export { canonicalDuration, durationMs, formatDuration, isCanonicalDuration } from "../../components/duration";

/** Formats milliseconds for messages ("70s", "1.5s"). */
export function formatMs(ms: number): string {
    return `${ms / 1000}s`;
}
