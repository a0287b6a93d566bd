import type http from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** An HTTP server listening on loopback, for the fakes of external services. */
export interface Loopback {
    /** `http://127.0.0.1:<port>`. */
    readonly url: string;
    readonly port: number;
    /** Destroys open connections (idle keep-alive ones would otherwise hold it open) and stops listening. */
    close(): Promise<void>;
}

/** Starts `server` on `host:port` (default 127.0.0.1, a free port), tracking its sockets so `close()` is prompt. */
export async function listenLoopback(server: http.Server, port = 0, host = "127.0.0.1"): Promise<Loopback> {
    const sockets = new Set<Socket>();
    server.on("connection", (s) => {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
    });
    await new Promise<void>((r) => server.listen(port, host, () => r()));
    const actual = (server.address() as AddressInfo).port;
    return {
        url: `http://127.0.0.1:${actual}`,
        port: actual,
        close: () =>
            new Promise<void>((r) => {
                for (const s of sockets) s.destroy();
                server.close(() => r());
            }),
    };
}
