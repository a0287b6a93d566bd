import { expect } from "chai";
import {
    canonicalDuration,
    durationMs,
    formatDuration,
    goDurationString,
    isCanonicalDuration,
} from "../../components/duration";

describe("duration", () => {
    describe(".goDurationString", () => {
        it("prints what Go's time.Duration.String() prints", () => {
            // Values checked against Go 1.x: fmt.Println(d) for each.
            expect(goDurationString(0)).to.equal("0s");
            expect(goDurationString(500)).to.equal("500ms");
            expect(goDurationString(1500)).to.equal("1.5s");
            expect(goDurationString(60000)).to.equal("1m0s");
            expect(goDurationString(100000)).to.equal("1m40s");
            expect(goDurationString(120000)).to.equal("2m0s");
            expect(goDurationString(3600000)).to.equal("1h0m0s");
            expect(goDurationString(5430500)).to.equal("1h30m30.5s");
        });

        it("rejects fractions of a millisecond and negative values, naming the problem", () => {
            expect(() => goDurationString(0.5)).to.throw(/whole, non-negative number of milliseconds/);
            expect(() => goDurationString(-1)).to.throw(/whole, non-negative/);
        });
    });

    describe(".formatDuration", () => {
        it("cuts a trailing 0s after minutes and 0m after hours, as the provider's shortDur does", () => {
            expect(formatDuration(120000)).to.equal("2m");
            expect(formatDuration(60000)).to.equal("1m");
            expect(formatDuration(100000)).to.equal("1m40s");
            expect(formatDuration(3600000)).to.equal("1h");
            expect(formatDuration(5400000)).to.equal("1h30m");
            expect(formatDuration(30000)).to.equal("30s");
            expect(formatDuration(0)).to.equal("0s");
        });
    });

    describe(".canonicalDuration", () => {
        it("respells the durations the program used to send", () => {
            expect(canonicalDuration("120s")).to.equal("2m");
            expect(canonicalDuration("100s")).to.equal("1m40s");
            expect(canonicalDuration("60s")).to.equal("1m");
            expect(canonicalDuration("3m")).to.equal("3m");
            expect(canonicalDuration("90m")).to.equal("1h30m");
            expect(canonicalDuration("0")).to.equal("0s");
        });

        it("names the key in its error for a value that is not a duration", () => {
            expect(() => canonicalDuration("soon", "converge.delay")).to.throw(
                '`converge.delay` must be a duration such as "20s", "1m30s" or "500ms" (whole milliseconds), got "soon".',
            );
            expect(() => canonicalDuration("1us", "x")).to.throw(/whole milliseconds/);
        });
    });

    it("parses and recognises canonical forms", () => {
        expect(durationMs("1m30s")).to.equal(90000);
        expect(durationMs("1h")).to.equal(3600000);
        expect(durationMs("x")).to.equal(undefined);
        expect(isCanonicalDuration("2m")).to.equal(true);
        expect(isCanonicalDuration("120s")).to.equal(false);
        expect(isCanonicalDuration("1m0s")).to.equal(false);
        expect(isCanonicalDuration(undefined)).to.equal(false);
    });
});
