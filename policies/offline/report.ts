import { Evaluation } from "./evaluate";

/** Formats an evaluation for a terminal or CI log: one block per violation, then a summary line. */
export function formatEvaluation(result: Evaluation, source: string, resourceCount: number): string {
    const lines: string[] = [];
    for (const v of result.violations) {
        lines.push(`${v.level.padEnd(9)} ${v.policy}  ${v.urn || "(stack)"}`);
        lines.push(`          ${v.message}`);
    }
    for (const f of result.failures) {
        lines.push(`error     ${f.policy}  ${f.urn ?? "(stack)"}`);
        lines.push(`          policy failed: ${f.error}`);
    }
    const mandatory = result.violations.filter((v) => v.level === "mandatory").length;
    const advisory = result.violations.length - mandatory;
    lines.push(
        `${source}: ${resourceCount} resources checked, ${mandatory} mandatory and ${advisory} advisory violation(s)` +
            (result.failures.length ? `, ${result.failures.length} policy error(s)` : "") +
            ".",
    );
    return lines.join("\n");
}

/** Exit status of the checker: 2 when a policy could not run, 1 for any mandatory violation, else 0. */
export function exitCode(result: Evaluation): 0 | 1 | 2 {
    if (result.failures.length > 0) {
        return 2;
    }
    return result.violations.some((v) => v.level === "mandatory") ? 1 : 0;
}
