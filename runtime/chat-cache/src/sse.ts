/** Incremental parser for `text/event-stream`: returns the `data` payload of each complete event. */
export class SseParser {
    private buf = "";

    /** Feeds bytes; returns the data of every event completed by them (comment-only events are dropped). */
    push(chunk: string): string[] {
        this.buf += chunk;
        const out: string[] = [];
        for (;;) {
            const m = /\r\n\r\n|\n\n|\r\r/.exec(this.buf);
            if (!m) break;
            const block = this.buf.slice(0, m.index);
            this.buf = this.buf.slice(m.index + m[0].length);
            const data: string[] = [];
            for (const line of block.split(/\r\n|\n|\r/)) {
                if (line.startsWith("data:")) data.push(line.slice(line[5] === " " ? 6 : 5));
            }
            if (data.length > 0) out.push(data.join("\n"));
        }
        return out;
    }
}

/** Encodes one SSE event carrying `data`. Named events are never used: the openai client would not treat them as chunks. */
export function sseEvent(data: string): string {
    return `data: ${data}\n\n`;
}

export const SSE_DONE = "data: [DONE]\n\n";
