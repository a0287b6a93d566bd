/**
 * JSON logger (pino) whose every line passes through the redaction layer and the exposure scanner before it is
 * written, so a registered secret can never reach stdout and an unregistered credential is masked and alerted on. The
 * monitor's own structured fields (secret names, targets, kinds, ids) are not scanned, so names are never masked.
 */
import pino from "pino";
import { Writable } from "node:stream";
import type { Redactor } from "./redact";
import type { ExposureScanner } from "./exposure";

export type Logger = pino.Logger;

export interface LoggerOptions {
    readonly redactor: Redactor;
    readonly scanner: ExposureScanner;
    /** Defaults to "info". */
    readonly level?: string;
    /** Receives each finished line; defaults to stdout. */
    readonly sink?: (line: string) => void;
}

/** Creates the service logger. */
export function createLogger(opts: LoggerOptions): Logger {
    const sink = opts.sink ?? ((line: string) => process.stdout.write(line));
    const stream = new Writable({
        write(chunk: Buffer, _enc, cb) {
            const line = opts.scanner.scanLogLine(opts.redactor.redact(chunk.toString("utf8")));
            sink(line);
            cb();
        },
    });
    return pino(
        {
            level: opts.level ?? "info",
            base: { service: "sync-monitor" },
            // Belt and braces: header fields never make it into a line even before text redaction.
            redact: {
                paths: ["*.authorization", "*.headers.authorization", "*.request.body", "*.config.data"],
                censor: "[REDACTED]",
            },
            timestamp: pino.stdTimeFunctions.isoTime,
        },
        stream,
    );
}
