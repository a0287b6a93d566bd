/** A JSON-lines logger on stdout (one line per event; no dependency needed for this little output). */
export interface Logger {
    debug(fields: Record<string, unknown>, msg: string): void;
    info(fields: Record<string, unknown>, msg: string): void;
    warn(fields: Record<string, unknown>, msg: string): void;
    error(fields: Record<string, unknown>, msg: string): void;
}

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;

/** Logs at `level` and above to `out` (stdout by default). */
export function createLogger(
    level: keyof typeof LEVELS,
    base: Record<string, unknown>,
    out: (line: string) => void = (l) => process.stdout.write(l),
): Logger {
    const min = LEVELS[level];
    const at =
        (name: keyof typeof LEVELS) =>
        (fields: Record<string, unknown>, msg: string): void => {
            if (LEVELS[name] < min) return;
            out(`${JSON.stringify({ time: new Date().toISOString(), level: name, ...base, ...fields, msg })}\n`);
        };
    return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
