import { expect } from "chai";
import * as net from "node:net";
import { ProbeError } from "../../../runtime/overlay-probe/src/errors";
import {
    createProbeServer,
    encodeRequest,
    MAX_PAYLOAD_BYTES,
    probe,
} from "../../../runtime/overlay-probe/src/protocol";

async function listen(server: net.Server): Promise<number> {
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return (server.address() as net.AddressInfo).port;
}

/** Sends raw bytes and resolves with everything the server sent before closing. */
function raw(port: number, data: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        const s = net.connect(port, "127.0.0.1", () => s.write(data));
        s.on("data", (c) => chunks.push(c));
        s.on("close", () => resolve(Buffer.concat(chunks)));
        s.on("error", reject);
    });
}

describe("overlay-probe protocol", () => {
    let server: net.Server;
    let port: number;
    before(async () => {
        server = createProbeServer("node-x");
        port = await listen(server);
    });
    after(() => server.close());

    describe("#probe", () => {
        it("completes a small and a 64 KiB exchange and reports the answering node", async () => {
            const small = await probe("127.0.0.1", port, 0, 2000);
            expect(small.peerNode).to.equal("node-x");
            expect(small.rttSeconds).to.be.greaterThan(0);
            const big = await probe("127.0.0.1", port, MAX_PAYLOAD_BYTES, 2000);
            expect(big.peerNode).to.equal("node-x");
        });

        it("fails with `refused` when nothing listens", async () => {
            const closed = net.createServer();
            const p = await listen(closed);
            await new Promise((r) => closed.close(r));
            const err = await probe("127.0.0.1", p, 0, 2000).catch((e) => e);
            expect(err).to.be.instanceOf(ProbeError).and.have.property("reason", "refused");
        });

        it("fails with `timeout` when the peer accepts but never answers (a stalled transfer)", async () => {
            const silent = net.createServer((s) => s.on("error", () => undefined));
            const p = await listen(silent);
            try {
                const started = Date.now();
                const err = await probe("127.0.0.1", p, 8950, 300).catch((e) => e);
                expect(err).to.be.instanceOf(ProbeError).and.have.property("reason", "timeout");
                expect(Date.now() - started).to.be.lessThan(2000);
            } finally {
                silent.close();
            }
        });

        it("fails with `protocol` when the answer is not a probe answer", async () => {
            const wrong = net.createServer((s) => s.end("HTTP/1.1 400 Bad Request\r\n\r\n"));
            const p = await listen(wrong);
            try {
                const err = await probe("127.0.0.1", p, 0, 2000).catch((e) => e);
                expect(err).to.be.instanceOf(ProbeError).and.have.property("reason", "protocol");
            } finally {
                wrong.close();
            }
        });
    });

    describe("server", () => {
        it("closes a connection with a wrong magic without answering, and keeps serving", async () => {
            expect((await raw(port, Buffer.from("GET / HTTP/1.1\r\n\r\n"))).length).to.equal(0);
            expect((await probe("127.0.0.1", port, 10, 2000)).peerNode).to.equal("node-x");
        });

        it("closes a connection asking for more than the largest payload", async () => {
            const head = encodeRequest(0)[0];
            head.writeUInt32BE(MAX_PAYLOAD_BYTES + 1, 4);
            expect((await raw(port, head)).length).to.equal(0);
        });

        it("answers a request split over many small writes", async () => {
            const answer = await new Promise<Buffer>((resolve, reject) => {
                const chunks: Buffer[] = [];
                const s = net.connect(port, "127.0.0.1", async () => {
                    const all = Buffer.concat(encodeRequest(100));
                    for (let i = 0; i < all.length; i += 7) {
                        s.write(all.subarray(i, i + 7));
                        await new Promise((r) => setImmediate(r));
                    }
                });
                s.on("data", (c) => chunks.push(c));
                s.on("close", () => resolve(Buffer.concat(chunks)));
                s.on("error", reject);
            });
            // magic + name length + "node-x" + length + 100 bytes
            expect(answer.length).to.equal(4 + 1 + 6 + 4 + 100);
        });
    });
});
