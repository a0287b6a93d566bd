import * as net from "net";

/** A free TCP port on 127.0.0.1 for a real daemon (prometheus, alertmanager) under test. */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.listen(0, "127.0.0.1", () => {
            const { port } = srv.address() as net.AddressInfo;
            srv.close(() => resolve(port));
        });
        srv.on("error", reject);
    });
}

/** Polls `url` every 100 ms until it answers 2xx, failing after about 10 s with "`what` did not become ready". */
export async function waitReady(url: string, what: string): Promise<void> {
    for (let i = 0; i < 100; i++) {
        try {
            if ((await fetch(url)).ok) return;
        } catch {
            // not listening yet
        }
        await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${what} did not become ready at ${url}`);
}
