/** Errors with names the CLI and HTTP layer can map to exit codes and status codes. */

/** Configuration is missing or invalid; the message names the variable/key and the fix. */
export class ConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ConfigError";
    }
}

/** An HTTP request the API rejects (4xx). */
export class HttpError extends Error {
    constructor(
        readonly statusCode: number,
        message: string,
    ) {
        super(message);
        this.name = "HttpError";
    }
}
