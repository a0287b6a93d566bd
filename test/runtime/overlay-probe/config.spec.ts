import { expect } from "chai";
import { loadConfig } from "../../../runtime/overlay-probe/src/config";
import { OVERLAY_PROBE_ENV as ENV, containerMtu } from "../../../runtime/overlay-probe/src/contract";
import { ConfigError } from "../../../runtime/overlay-probe/src/errors";

const base = {
    [ENV.network]: "backend",
    [ENV.node]: "abcdefghijklmnopqrstuvwxy",
    [ENV.peers]: "tasks.overlay-probe-backend",
};

describe("overlay-probe config", () => {
    describe(".loadConfig", () => {
        it("applies the defaults: 15 s interval, 5 s timeout, MTU 1500 sized probes", () => {
            const c = loadConfig(base);
            expect(c).to.include({
                intervalMs: 15000,
                timeoutMs: 5000,
                plannedMtu: 1500,
                fullBytes: 1450,
                httpPort: 9465,
                probePort: 9466,
            });
        });

        it("names the missing variable and the fix", () => {
            expect(() => loadConfig({ ...base, [ENV.node]: undefined })).to.throw(
                ConfigError,
                /^OVERLAY_PROBE_NODE is not set; set it to the Swarm node id/,
            );
            expect(() => loadConfig({ ...base, [ENV.peers]: "" })).to.throw(
                ConfigError,
                /^OVERLAY_PROBE_PEERS is not set/,
            );
        });

        it("rejects a bad number without echoing it", () => {
            let err: Error | undefined;
            try {
                loadConfig({ ...base, [ENV.fullBytes]: "lots-9x" });
            } catch (e) {
                err = e as Error;
            }
            expect(err).to.be.instanceOf(ConfigError);
            expect(err!.message).to.match(
                /^OVERLAY_PROBE_FULL_BYTES must be a whole number; set it to the network's container MTU/,
            );
            expect(err!.message).to.not.include("lots-9x");
            expect(() => loadConfig({ ...base, [ENV.intervalMs]: "500" })).to.throw(
                /OVERLAY_PROBE_INTERVAL_MS must be at least 1000/,
            );
        });

        it("keeps a round within its interval: timeout at most half of it", () => {
            expect(() => loadConfig({ ...base, [ENV.intervalMs]: "2000", [ENV.timeoutMs]: "1500" })).to.throw(
                /OVERLAY_PROBE_TIMEOUT_MS must be at most half of OVERLAY_PROBE_INTERVAL_MS/,
            );
        });
    });

    describe(".containerMtu", () => {
        it("subtracts VXLAN (50) and, encrypted, ESP (26 more)", () => {
            expect(containerMtu(9000, false)).to.equal(8950);
            expect(containerMtu(9000, true)).to.equal(8924);
            expect(containerMtu(1500, false)).to.equal(1450);
        });
    });
});
