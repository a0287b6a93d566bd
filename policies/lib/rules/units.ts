/** Byte sizes and CPU counts as Docker and the stack config express them (the tier rule's units). */

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

const SIZE_UNITS: Record<string, number> = {
    "": 1,
    b: 1,
    k: KiB,
    kb: KiB,
    kib: KiB,
    m: MiB,
    mb: MiB,
    mib: MiB,
    g: GiB,
    gb: GiB,
    gib: GiB,
};

/**
 * Parses a memory size such as `4GiB`, `4G`, `512MiB`, `512m` or a plain byte count. Units are binary (Docker's and
 * Redis' `4gb` both mean 4 * 1024^3). Returns `undefined` for anything it cannot read, so callers can name the key.
 */
export function parseBytes(value: unknown): number | undefined {
    if (typeof value === "number") {
        return Number.isSafeInteger(value) && value > 0 ? value : undefined;
    }
    if (typeof value !== "string") {
        return undefined;
    }
    const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(value);
    if (!match) {
        return undefined;
    }
    const unit = SIZE_UNITS[match[2].toLowerCase()];
    if (unit === undefined) {
        return undefined;
    }
    const bytes = Math.floor(parseFloat(match[1]) * unit);
    return bytes > 0 ? bytes : undefined;
}

/** Converts a CPU count (e.g. 0.25) to Docker's nano-CPUs. */
export function cpusToNano(cpus: number): number {
    return Math.round(cpus * 1e9);
}
