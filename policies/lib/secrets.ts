import { runtime } from "@pulumi/pulumi";

/**
 * Which property paths held secret values in an exported document. The engine hands policies plain values (secrets
 * unwrapped), so only the offline checker, reading a `pulumi stack export` or plan, can tell whether a value was
 * stored encrypted; it records that here. `undefined` means "unknown" (running under the engine).
 */
const secretPaths = new WeakMap<object, ReadonlySet<string>>();

/** Records the dotted paths (`value`, `taskSpec.containerSpec.env.X`) of `props` that were secrets in the document. */
export function markSecretPaths(props: object, paths: Iterable<string>): void {
    secretPaths.set(props, new Set(paths));
}

/** The recorded secret paths of `props`, or `undefined` when secretness is unknown. */
export function knownSecretPaths(props: object): ReadonlySet<string> | undefined {
    return secretPaths.get(props);
}

/** Pulumi's marker key for secret values in serialized state, and its value (as the SDK exports them). */
export const SECRET_SIG_KEY = runtime.specialSigKey;
export const SECRET_SIG = runtime.specialSecretSig;

/** True for a serialized secret value (`ciphertext`, `plaintext` or `value` beside the signature). */
export function isSerializedSecret(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG;
}
