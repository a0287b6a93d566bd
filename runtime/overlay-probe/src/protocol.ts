/**
 * The probe exchange over TCP. Request: magic "OVP1", uint32 payload length L, L zero bytes. Answer: magic, uint8
 * length n, n bytes of the answering node's name, uint32 L, L zero bytes. A full-size probe sends and receives L =
 * container MTU bytes, so both directions need at least one full-size segment; an MTU black hole stalls it.
 */
import * as net from "node:net";
import { ProbeError } from "./errors";

const MAGIC = Buffer.from("OVP1", "ascii");
/** Largest payload the server accepts (bigger requests are cut off: nobody needs more than a jumbo frame). */
export const MAX_PAYLOAD_BYTES = 65536;
/** A connection that has not finished its request within this time is closed. */
const SERVER_IDLE_MS = 10_000;

const zeros = new Map<number, Buffer>();
/** One shared zero buffer per size: probes allocate nothing per round. */
function payload(bytes: number): Buffer {
    let b = zeros.get(bytes);
    if (!b) {
        b = Buffer.alloc(bytes);
        zeros.set(bytes, b);
    }
    return b;
}

/** The request bytes for a probe of `bytes` payload. */
export function encodeRequest(bytes: number): Buffer[] {
    const head = Buffer.alloc(8);
    MAGIC.copy(head, 0);
    head.writeUInt32BE(bytes, 4);
    return bytes > 0 ? [head, payload(bytes)] : [head];
}

/** Answers probes: echoes the requested number of bytes back, prefixed with this node's name. */
export function createProbeServer(node: string): net.Server {
    const name = Buffer.from(node, "utf8").subarray(0, 255);
    const server = net.createServer((socket) => {
        socket.setTimeout(SERVER_IDLE_MS, () => socket.destroy());
        socket.on("error", () => socket.destroy());
        let header: Buffer = Buffer.alloc(0);
        let want = -1;
        let got = 0;
        socket.on("data", (chunk: Buffer) => {
            if (want < 0) {
                header = Buffer.concat([header, chunk]);
                if (header.length < 8) return;
                if (!header.subarray(0, 4).equals(MAGIC)) return void socket.destroy();
                want = header.readUInt32BE(4);
                if (want > MAX_PAYLOAD_BYTES) return void socket.destroy();
                got = header.length - 8;
            } else {
                got += chunk.length;
            }
            if (got >= want) {
                const head = Buffer.alloc(4 + 1 + name.length + 4);
                MAGIC.copy(head, 0);
                head.writeUInt8(name.length, 4);
                name.copy(head, 5);
                head.writeUInt32BE(want, 5 + name.length);
                socket.write(head);
                if (want > 0) socket.end(payload(want));
                else socket.end();
                socket.removeAllListeners("data");
                socket.resume();
            }
        });
    });
    server.maxConnections = 256;
    return server;
}

/** A completed probe. */
export interface ProbeResult {
    readonly rttSeconds: number;
    /** The node that answered (from its answer header). */
    readonly peerNode: string;
}

/**
 * One probe: connect, send `bytes`, read the whole answer. Rejects with ProbeError on timeout (the whole exchange,
 * connect included, must finish within `timeoutMs`), refusal, reset or a malformed answer.
 */
export function probe(address: string, port: number, bytes: number, timeoutMs: number): Promise<ProbeResult> {
    return new Promise((resolve, reject) => {
        const started = process.hrtime.bigint();
        const socket = net.connect({ host: address, port, noDelay: true });
        let buf: Buffer = Buffer.alloc(0);
        let nameLen = -1;
        let peerNode = "";
        let expected = -1;
        let received = 0;
        let done = false;
        const finish = (err?: ProbeError) => {
            if (done) return;
            done = true;
            clearTimeout(timer);
            socket.destroy();
            if (err) return reject(err);
            resolve({ rttSeconds: Number(process.hrtime.bigint() - started) / 1e9, peerNode });
        };
        const timer = setTimeout(
            () => finish(new ProbeError("timeout", `no complete answer within ${timeoutMs} ms`)),
            timeoutMs,
        );
        socket.on("connect", () => {
            for (const part of encodeRequest(bytes)) socket.write(part);
        });
        socket.on("error", (e: NodeJS.ErrnoException) => {
            const reason =
                e.code === "ECONNREFUSED"
                    ? "refused"
                    : e.code === "ECONNRESET" || e.code === "EPIPE"
                      ? "reset"
                      : "unreachable";
            finish(new ProbeError(reason, `${reason} (${e.code ?? "error"})`));
        });
        socket.on("data", (chunk: Buffer) => {
            if (expected >= 0) {
                received += chunk.length;
            } else {
                buf = Buffer.concat([buf, chunk]);
                if (buf.length < 5) return;
                if (!buf.subarray(0, 4).equals(MAGIC)) {
                    return finish(new ProbeError("protocol", "answer does not start with the probe magic"));
                }
                nameLen = buf.readUInt8(4);
                if (buf.length < 5 + nameLen + 4) return;
                peerNode = buf.subarray(5, 5 + nameLen).toString("utf8");
                expected = buf.readUInt32BE(5 + nameLen);
                if (expected !== bytes) {
                    return finish(new ProbeError("protocol", "answer length differs from the request"));
                }
                received = buf.length - (5 + nameLen + 4);
            }
            if (received >= expected) finish();
        });
        socket.on("end", () => {
            if (expected < 0 || received < expected) finish(new ProbeError("reset", "peer closed before answering"));
        });
    });
}
