/**
 * Heal planning (pure) and execution. Low risk (runs automatically when `heal.enabled`): `missing` where the ledger
 * proves we own the name, and `stale`. High risk (waits for approval): `tampered`, `unverifiable`, first pushes
 * without a ledger entry, org secrets with visibility `all`, and every delete. A secret the ledger does not own is
 * never deleted.
 */
import type { DriftResult, DriftKind } from "./drift";
import type { Target } from "./targets";
import type { OrgVisibility, SyncConfig } from "./syncConfig";

/** One proposed change in GitHub. */
export interface HealAction {
    readonly action: "put" | "delete";
    readonly risk: "low" | "high";
    readonly kind: DriftKind;
    readonly target: Target;
    readonly name: string;
    readonly reason: string;
    /** For puts: the exact value, its HMAC and the org settings. Never serialised. */
    readonly value?: string;
    readonly hmac?: string;
    readonly visibility?: OrgVisibility;
    readonly selectedRepositories?: readonly string[];
}

/** Builds the heal plan from a drift result. */
export function planHeals(drift: DriftResult, config: SyncConfig): HealAction[] {
    const plan: HealAction[] = [];
    for (const s of drift.states) {
        const k = s.kinds;
        if (k.length === 0 || k.includes("invalid") || s.value === undefined) continue;
        const e = s.expected;
        let risk: "low" | "high";
        let kind: DriftKind;
        let reason: string;
        if (k.includes("tampered")) {
            [risk, kind, reason] = [
                "high",
                "tampered",
                "GitHub changed after our last write; overwriting discards that change",
            ];
        } else if (k.includes("unverifiable")) {
            [risk, kind, reason] = [
                "high",
                "unverifiable",
                "no ledger entry; the first write takes ownership of an existing secret",
            ];
        } else if (k.includes("missing")) {
            [risk, kind, reason] = s.ledger
                ? ["low", "missing", "the ledger proves we created it"]
                : ["high", "missing", "first push of a name the ledger does not own"];
        } else if (k.includes("stale")) {
            [risk, kind, reason] = ["low", "stale", "ESC value changed since our last write"];
        } else continue;
        if (e.target.scope === "org" && e.visibility === "all") {
            risk = "high";
            reason += "; org secret visible to all repositories";
        }
        plan.push({
            action: "put",
            risk,
            kind,
            target: e.target,
            name: e.name,
            reason,
            value: s.value,
            hmac: s.hmac,
            visibility: e.visibility,
            selectedRepositories: e.selectedRepositories,
        });
    }
    if (config.heal.deleteExtras) {
        for (const x of drift.ownedExtras) {
            plan.push({
                action: "delete",
                risk: "high",
                kind: "extra",
                target: x.target,
                name: x.name,
                reason: "not in ESC; the ledger proves we created it",
            });
        }
    }
    return plan;
}

/** What a heal plan looks like without values (for `--dry-run`, HTTP and logs). */
export function describePlan(plan: readonly HealAction[], enabled: boolean): object[] {
    return plan.map((a) => ({
        action: a.action,
        risk: a.risk,
        kind: a.kind,
        scope: a.target.scope,
        target: a.target.id,
        name: a.name,
        reason: a.reason,
        wouldRun: a.risk === "low" ? (enabled ? "automatically" : "no (heal.enabled is false)") : "after approval",
    }));
}
