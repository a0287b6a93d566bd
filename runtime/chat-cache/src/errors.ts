/** Thrown by `loadConfig` / `loadRules` when a setting is invalid; the message names the variable and the fix. */
export class ConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ConfigError";
    }
}

/** OpenAI error envelope, the shape every client of the chat-completions API already parses. */
export interface OpenAIErrorBody {
    error: { message: string; type: string; param: string | null; code: string | null };
}

/** A request the proxy refuses; `status` is the HTTP status, the body is OpenAI-shaped. */
export class HttpError extends Error {
    constructor(
        readonly status: number,
        message: string,
        readonly type: string = "invalid_request_error",
        readonly param: string | null = null,
        readonly code: string | null = null,
        readonly headers: Record<string, string> = {},
    ) {
        super(message);
        this.name = "HttpError";
    }

    /** The JSON body sent to the client. */
    toBody(): OpenAIErrorBody {
        return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
    }
}

/** Builds an OpenAI-shaped error body. */
export function errorBody(
    message: string,
    type: string,
    code: string | null = null,
    param: string | null = null,
): OpenAIErrorBody {
    return { error: { message, type, param, code } };
}
