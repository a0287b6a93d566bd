/** Helpers for the container hardening policies (CIS Docker Benchmark 4.1, 5.4, 5.13). */
import { parseImage } from "./service";

/** True for a `user` that is root: "0", "root", with or without a group ("0:0", "root:wheel"). */
export function isRootUser(user: string): boolean {
    return /^(0|root)(:.*)?$/.test(user.trim());
}

/** A capability name as the Engine API spells it: upper case with the "CAP_" prefix ("net_admin" -> "CAP_NET_ADMIN"). */
export function canonicalCapability(name: string): string {
    const upper = name.trim().toUpperCase();
    return upper === "ALL" || upper.startsWith("CAP_") ? upper : `CAP_${upper}`;
}

/** The repository of an image reference without tag or digest, as the pack's config lists images. */
export function imageRepository(image: unknown): string {
    return typeof image === "string" ? parseImage(image).repository : "";
}
