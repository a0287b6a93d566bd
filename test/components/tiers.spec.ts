import { expect } from "chai";
import { DEFAULT_TIERS, resolveTierSpec } from "../../components/tiers";
import { parseBytes } from "../../components/units";

describe("tiers", () => {
    describe(".resolveTierSpec", () => {
        it("resolves the standard tiers to nano-CPUs and bytes", () => {
            expect(resolveTierSpec("high", DEFAULT_TIERS.high, "t")).to.deep.equal({
                tier: "high",
                limits: { nanoCpus: 2_000_000_000, memoryBytes: 4294967296 },
                reservations: { nanoCpus: 1_000_000_000, memoryBytes: 2147483648 },
            });
            expect(resolveTierSpec("medium", DEFAULT_TIERS.medium, "t")).to.deep.equal({
                tier: "medium",
                limits: { nanoCpus: 1_000_000_000, memoryBytes: 2147483648 },
                reservations: { nanoCpus: 500_000_000, memoryBytes: 1073741824 },
            });
            expect(resolveTierSpec("low", DEFAULT_TIERS.low, "t")).to.deep.equal({
                tier: "low",
                limits: { nanoCpus: 500_000_000, memoryBytes: 1073741824 },
                reservations: { nanoCpus: 250_000_000, memoryBytes: 536870912 },
            });
        });

        it("rejects reservations above limits", () => {
            expect(() =>
                resolveTierSpec(
                    "custom",
                    { limits: { cpus: 1, memory: "1GiB" }, reservations: { cpus: 2, memory: "1GiB" } },
                    "svc.resources",
                ),
            ).to.throw(/`svc.resources`: reservations must not exceed limits/);
        });

        it("names the field of an unreadable memory size", () => {
            expect(() =>
                resolveTierSpec(
                    "custom",
                    { limits: { cpus: 1, memory: "lots" }, reservations: { cpus: 1, memory: "1GiB" } },
                    "svc.resources",
                ),
            ).to.throw(/`svc.resources.limits.memory` must be a size/);
        });
    });

    describe(".parseBytes", () => {
        it("reads binary units the way Docker and Redis do", () => {
            expect(parseBytes("4GiB")).to.equal(4 * 1024 ** 3);
            expect(parseBytes("4gb")).to.equal(4 * 1024 ** 3);
            expect(parseBytes("512M")).to.equal(512 * 1024 ** 2);
            expect(parseBytes("1.5g")).to.equal(1.5 * 1024 ** 3);
            expect(parseBytes(1024)).to.equal(1024);
        });
        it("returns undefined for nonsense", () => {
            expect(parseBytes("4 parsecs")).to.equal(undefined);
            expect(parseBytes("-1G")).to.equal(undefined);
            expect(parseBytes("0")).to.equal(undefined);
        });
    });
});
