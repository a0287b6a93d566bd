/**
 * The MTU rule: which underlay MTUs an overlay network may have. The stack config, the OverlayNetwork component and
 * the pack's MTU policy share these bounds.
 */

/** Smallest MTU IPv6 allows; anything lower breaks the overlay. */
export const MIN_MTU = 1280;
/** Largest jumbo-frame MTU an underlay commonly carries. */
export const MAX_MTU = 9000;

/** True when `mtu` is a whole number within `[min, max]` (the platform's 1280..9000 unless the pack is configured). */
export function mtuAllowed(mtu: number, min = MIN_MTU, max = MAX_MTU): boolean {
    return Number.isInteger(mtu) && mtu >= min && mtu <= max;
}
