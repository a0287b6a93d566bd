/**
 * The drift monitor: one check = read ESC, list GitHub, compare with the ledger, heal what policy allows, alert,
 * record history. `createMonitor(deps)` wires injected clients; nothing here reads the environment or listens.
 */
import type { SyncConfig } from "./syncConfig";
import { readEsc, type EscClient, type EscSnapshot } from "./escSource";
import { countsSince, type GitHubSecrets, type ListedSecret, type RequestAccounting } from "./github";
import { GitHubReader } from "./githubReader";
import type { ListCacheStore } from "./listCache";
import type { Ledger, HealRecord, LedgerEntry } from "./ledger";
import type { AlertInput, Alerter } from "./alerts";
import { DRIFT_KINDS, type Metrics } from "./metrics";
import type { Logger } from "./logger";
import { scrubError, type Redactor } from "./redact";
import type { ExposureScanner, ExposureFinding } from "./exposure";
import { systemClock, type Clock } from "./clock";
import { WriteBudget } from "./budget";
import { computeDrift, secretText, type DriftEntry, type DriftResult } from "./drift";
import { describePlan, planHeals, type HealAction } from "./heal";
import { distinctTargets, expectedSecrets, parseTargetId, secretKey, type Target } from "./targets";
import { applyAttestations } from "./attestations";

/** What the monitor needs; every client is created by the caller (main.ts or a test). */
export interface MonitorDeps {
    readonly config: SyncConfig;
    readonly github: GitHubSecrets;
    readonly esc: EscClient;
    readonly ledger: Ledger;
    readonly alerter: Alerter;
    readonly metrics: Metrics;
    readonly logger: Logger;
    readonly redactor: Redactor;
    readonly scanner: ExposureScanner;
    /** Key of the value HMACs; only the monitor holds it. */
    readonly hmacKey: Buffer;
    readonly clock?: Clock;
    /** Overrides the budget built from `config.heal` (tests). */
    readonly budget?: WriteBudget;
    /** Attestation file of secrets another writer (Pulumi) wrote; re-read and imported into the ledger every check. */
    readonly attestationsFile?: string;
    /** Where GitHub list pages and their ETags persist (Postgres in the service); in memory when absent. */
    readonly listCache?: ListCacheStore;
    /** The counters the Octokit client updates, read per check for the report and metrics. */
    readonly accounting?: RequestAccounting;
}

/** Outcome of one heal action in a check. */
export interface HealOutcome {
    readonly id?: string;
    readonly action: string;
    readonly risk: string;
    readonly kind: string;
    readonly scope: string;
    readonly target: string;
    readonly name: string;
    readonly outcome: string;
}

/** The JSON report of one check (names and kinds only). */
export interface SyncReport {
    readonly status: "in_sync" | "drift" | "incomplete" | "failed";
    readonly startedAt: string;
    readonly finishedAt: string;
    readonly durationMs: number;
    readonly escEnvironment: string;
    readonly escRevision: number | null;
    readonly expected: number;
    readonly inSync: number;
    readonly healthPercent: number | null;
    readonly consecutiveFailures: number;
    readonly counts: Record<string, number>;
    readonly drift: DriftEntry[];
    readonly incompleteTargets: { target: string; scope: string; reason: string }[];
    readonly heals: HealOutcome[];
    readonly plan?: object[];
    readonly exposures: ExposureFinding[];
    /** GitHub requests of this check and the rate-limit points they cost (absent without request accounting). */
    readonly github?: GitHubCheckCost;
    readonly error?: string;
}

/** What a check cost at GitHub. */
export interface GitHubCheckCost {
    readonly requests: number;
    /** Answered 304 Not Modified (free for the primary limit). */
    readonly notModified: number;
    /** Primary rate-limit points: every answer but a 304. */
    readonly rateLimitPoints: number;
    /** Secondary-limit points: 1 per read, 5 per write. */
    readonly secondaryPoints: number;
    /** Lists read unconditionally (first read or the hourly safety net). */
    readonly fullReads: number;
}

export interface CheckOptions {
    /** Execute heals (low-risk when enabled, and approved high-risk ones). */
    readonly heal?: boolean;
    /** Compute and return the heal plan without any write. */
    readonly dryRun?: boolean;
}

/** The monitor's public surface. */
export interface Monitor {
    runCheck(opts?: CheckOptions): Promise<SyncReport>;
    lastReport(): SyncReport | undefined;
    heals(): Promise<HealRecord[]>;
    approve(id: string): Promise<HealRecord>;
    alerts(): ReturnType<Alerter["current"]>;
    /** Runs checks every `checkIntervalSeconds` (with heals) until {@link stop}. */
    start(): void;
    stop(): Promise<void>;
}

/** Thrown by {@link Monitor.approve} for unknown or non-pending heals. */
export class ApprovalError extends Error {
    constructor(
        readonly statusCode: 404 | 409,
        message: string,
    ) {
        super(message);
        this.name = "ApprovalError";
    }
}

/** Creates the monitor. */
export function createMonitor(deps: MonitorDeps): Monitor {
    const { config, github, ledger, alerter, metrics, logger, redactor, scanner } = deps;
    const clock = deps.clock ?? systemClock;
    const budget =
        deps.budget ??
        new WriteBudget(
            {
                perMinute: config.heal.writesPerMinute,
                perHour: config.heal.writesPerHour,
                minIntervalMs: config.heal.minWriteIntervalMs,
            },
            clock,
        );
    const expected = expectedSecrets(config);
    const targets = distinctTargets(expected);
    const mapped = new Set(expected.map((e) => secretKey(e.target, e.name)));
    // Secret names appear in logs and alerts; they are the monitor's vocabulary, not credentials.
    scanner.knowNames(expected.map((e) => e.name));
    const ownedPattern = config.nameRules.ownedPattern ? new RegExp(config.nameRules.ownedPattern) : undefined;
    let last: SyncReport | undefined;
    let consecutiveFailures = 0;
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<unknown> | undefined;
    let stopped = false;
    const reader = new GitHubReader({
        github,
        store: deps.listCache,
        readConcurrency: config.github.readConcurrency,
        shadowing: config.github.shadowing,
        fullReadMs: config.github.fullReadMinutes * 60_000,
        clock,
        redactor,
        logger,
    });

    const registerSecrets = (snap: EscSnapshot) => {
        for (const v of snap.values.values()) {
            if (v.secret) redactor.register(secretText(v.value));
        }
        // Plain (non-secret) ESC values that look like credentials are leaks in the source of truth; findings of the
        // previous snapshot are dropped first, so a value that was fixed resolves its alert.
        scanner.clear("esc");
        for (const [path, v] of snap.values) {
            if (!v.secret && v.value !== undefined && v.value !== null) scanner.scan(secretText(v.value), "esc", path);
        }
    };

    // Stores that only the ledger still mentions (mapping entry removed) are listed too, so owned leftovers show up as `extra`.
    function targetsWithLedger(entries: ReadonlyMap<string, LedgerEntry>): Target[] {
        const all = new Map(targets.map((t) => [`${t.scope}|${t.id}`, t]));
        for (const e of entries.values()) {
            const t = parseTargetId(e.scope, e.target);
            if (t && !all.has(`${t.scope}|${t.id}`)) all.set(`${t.scope}|${t.id}`, t);
        }
        return [...all.values()];
    }

    async function executeHeals(
        plan: HealAction[],
        drift: DriftResult,
        snap: EscSnapshot,
        dryRun: boolean,
        execute: boolean,
    ): Promise<HealOutcome[]> {
        const now = () => new Date(clock.now());
        const outcomes: HealOutcome[] = [];
        const base = (a: HealAction) => ({
            action: a.action,
            risk: a.risk,
            kind: a.kind,
            scope: a.target.scope,
            target: a.target.id,
            name: a.name,
        });
        if (dryRun) return outcomes;
        const planned = new Set(plan.map((a) => `${a.action}|${secretKey(a.target, a.name)}`));
        // Open heals whose drift has gone are closed, so an old approval can never fire later.
        for (const h of await ledger.heals()) {
            if (
                (h.status === "pending" || h.status === "approved") &&
                !planned.has(`${h.action}|${h.scope}|${h.target}|${h.name}`) &&
                !drift.incompleteTargets.some((t) => t.target === h.target && t.scope === h.scope)
            ) {
                await ledger.finishHeal(h.id, "skipped", "drift no longer present", now());
            }
        }
        const runnable: { a: HealAction; rec: HealRecord }[] = [];
        for (const a of plan) {
            if (!config.heal.enabled) {
                outcomes.push({ ...base(a), outcome: "not run (heal.enabled is false)" });
                continue;
            }
            if (a.risk === "low" && !execute) {
                outcomes.push({ ...base(a), outcome: "runs automatically in --monitor mode" });
                continue;
            }
            const proposal = {
                action: a.action,
                risk: a.risk,
                kind: a.kind,
                scope: a.target.scope,
                target: a.target.id,
                name: a.name,
                reason: a.reason,
            };
            let rec = await ledger.proposeHeal(proposal, a.risk === "low" ? "approved" : "pending", now());
            if (a.risk === "high" && rec.status === "approved" && rec.approvedAt === null) {
                // Auto-approved while low risk, now high (e.g. it became tampered): it needs a human again.
                await ledger.finishHeal(rec.id, "skipped", "risk rose to high; re-proposed for approval", now());
                rec = await ledger.proposeHeal(proposal, "pending", now());
            } else if (a.risk === "low" && rec.status === "pending" && execute) {
                // Proposed while high risk, now low (e.g. only stale): no approval needed any more.
                await ledger.approve(rec.id, now());
                rec = (await ledger.heal(rec.id))!;
            }
            if (rec.status === "pending") {
                outcomes.push({ ...base(a), id: rec.id, outcome: "awaiting approval" });
                continue;
            }
            if (!execute) {
                outcomes.push({ ...base(a), id: rec.id, outcome: "approved; runs at the next healing check" });
                continue;
            }
            const state = await ledger.healState(a.target.scope, a.target.id, a.name);
            if (state && state.failures >= config.heal.maxAttempts) {
                await ledger.finishHeal(rec.id, "failed", `gave up after ${state.failures} failed attempts`, now());
                metrics.heals.inc({ outcome: "gave_up", risk: a.risk });
                outcomes.push({ ...base(a), id: rec.id, outcome: "gave up (heal.maxAttempts reached)" });
                continue;
            }
            if (state && clock.now() - state.lastAttemptAt.getTime() < config.heal.cooldownMinutes * 60_000) {
                metrics.heals.inc({ outcome: "cooldown", risk: a.risk });
                outcomes.push({ ...base(a), id: rec.id, outcome: "deferred (cooldown after a failed attempt)" });
                continue;
            }
            runnable.push({ a, rec });
        }
        // Writes grouped per target so one re-list confirms all of a target's writes.
        const byTarget = new Map<string, { a: HealAction; rec: HealRecord }[]>();
        for (const r of runnable) {
            const k = `${r.a.target.scope}|${r.a.target.id}`;
            byTarget.set(k, [...(byTarget.get(k) ?? []), r]);
        }
        const ledgerNow = await ledger.entries();
        for (const group of byTarget.values()) {
            const target: Target = group[0].a.target;
            const written: { a: HealAction; rec: HealRecord; status: number; before?: string }[] = [];
            for (const { a, rec } of group) {
                const denial = await budget.acquire();
                if (denial) {
                    metrics.heals.inc({ outcome: "deferred", risk: a.risk });
                    outcomes.push({ ...base(a), id: rec.id, outcome: `deferred (${denial})` });
                    continue;
                }
                const listing = drift.states.find(
                    (s) =>
                        s.expected.target.id === target.id &&
                        s.expected.target.scope === target.scope &&
                        s.expected.name === a.name,
                )?.listed;
                try {
                    if (a.action === "delete") {
                        // Ownership is re-checked at execution time: never delete a secret the ledger does not own.
                        if (!ledgerNow.has(secretKey(target, a.name))) {
                            await ledger.finishHeal(
                                rec.id,
                                "skipped",
                                "refused: the ledger does not own this secret",
                                now(),
                            );
                            outcomes.push({ ...base(a), id: rec.id, outcome: "refused (not owned)" });
                            continue;
                        }
                        await github.deleteSecret(target, a.name);
                        await ledger.forget(target.scope, target.id, a.name);
                        await ledger.finishHeal(rec.id, "done", "deleted", now());
                        metrics.heals.inc({ outcome: "done", risk: a.risk });
                        outcomes.push({ ...base(a), id: rec.id, outcome: "deleted" });
                        continue;
                    }
                    let selected: number[] | undefined;
                    if (a.visibility === "selected" && a.selectedRepositories) {
                        selected = [];
                        for (const r of a.selectedRepositories) selected.push(await github.repoId(target.owner, r));
                    }
                    const status = await github.putSecret(
                        target,
                        a.name,
                        a.value!,
                        target.scope === "org"
                            ? { visibility: a.visibility ?? "private", selectedRepositoryIds: selected }
                            : undefined,
                    );
                    written.push({ a, rec, status, before: listing?.updatedAt });
                } catch (e) {
                    const err = scrubError(e, redactor, `heal ${a.action} ${target.id} ${a.name}`);
                    if (err.status === 403 || err.status === 429)
                        budget.backOff((e as { response?: { headers?: Record<string, unknown> } }).response?.headers);
                    await ledger.noteAttempt(target.scope, target.id, a.name, false, now());
                    await ledger.finishHeal(rec.id, "failed", err.message, now());
                    metrics.heals.inc({ outcome: "failed", risk: a.risk });
                    logger.error({ target: target.id, name: a.name, err: err.message }, "heal failed");
                    outcomes.push({ ...base(a), id: rec.id, outcome: `failed: ${err.message}` });
                }
            }
            if (written.length === 0) continue;
            // Confirm: re-list and require `updated_at` to have advanced before the ledger trusts the write.
            let after: ListedSecret[] = [];
            try {
                after = await github.listSecrets(target);
            } catch (e) {
                logger.warn({ target: target.id, err: scrubError(e, redactor).message }, "re-list after heal failed");
            }
            for (const w of written) {
                const seen = after.find((s) => s.name === w.a.name);
                const advanced = seen && (!w.before || Date.parse(seen.updatedAt) > Date.parse(w.before));
                if (!seen || !advanced) {
                    await ledger.noteAttempt(target.scope, target.id, w.a.name, false, now());
                    await ledger.finishHeal(
                        w.rec.id,
                        "failed",
                        "GitHub's updated_at did not advance after the write",
                        now(),
                    );
                    metrics.heals.inc({ outcome: "unconfirmed", risk: w.a.risk });
                    outcomes.push({ ...base(w.a), id: w.rec.id, outcome: "unconfirmed (updated_at did not advance)" });
                    continue;
                }
                await ledger.record({
                    scope: target.scope,
                    target: target.id,
                    name: w.a.name,
                    escEnv: config.esc.environment,
                    escRevision: snap.revision,
                    valueHmac: w.a.hmac!,
                    pushedAt: now(),
                    ghUpdatedAt: new Date(seen.updatedAt),
                    ghStatus: w.status,
                });
                await ledger.noteAttempt(target.scope, target.id, w.a.name, true, now());
                await ledger.finishHeal(w.rec.id, "done", `pushed (HTTP ${w.status})`, now());
                metrics.heals.inc({ outcome: "done", risk: w.a.risk });
                logger.info({ target: target.id, name: w.a.name, status: w.status, kind: w.a.kind }, "healed");
                outcomes.push({ ...base(w.a), id: w.rec.id, outcome: `pushed (HTTP ${w.status})` });
            }
        }
        return outcomes;
    }

    function buildAlerts(report: SyncReport): AlertInput[] {
        const out: AlertInput[] = [];
        for (const d of report.drift) {
            out.push({
                labels: {
                    alertname: "SecretSyncDrift",
                    secret: d.name,
                    target: `${d.scope}:${d.target}`,
                    drift: d.kind,
                    severity: d.kind === "tampered" ? "critical" : "warning",
                },
                annotations: {
                    summary: `GitHub secret ${d.name} in ${d.scope} ${d.target} is ${d.kind}`,
                    description: d.detail ?? "",
                },
            });
        }
        if (report.healthPercent !== null && report.healthPercent < config.thresholds.healthPercent) {
            out.push({
                labels: {
                    alertname: "SecretSyncHealthLow",
                    secret: "*",
                    target: config.esc.environment,
                    drift: "health",
                    severity: "warning",
                },
                annotations: {
                    summary: `Sync health ${report.healthPercent.toFixed(1)}% is below ${config.thresholds.healthPercent}%`,
                },
            });
        }
        if (consecutiveFailures >= config.thresholds.failedChecksCritical) {
            out.push({
                labels: {
                    alertname: "SecretSyncCheckFailing",
                    secret: "*",
                    target: config.esc.environment,
                    drift: "check",
                    severity: "critical",
                },
                annotations: {
                    summary: `${consecutiveFailures} consecutive checks could not complete`,
                    description: report.error ?? report.incompleteTargets.map((t) => t.reason).join("; "),
                },
            });
        }
        return out;
    }

    function exposureAlerts(findings: readonly ExposureFinding[]): AlertInput[] {
        const out: AlertInput[] = [];
        for (const f of findings) {
            out.push({
                labels: {
                    alertname: "SecretExposure",
                    secret: "-",
                    target: `${f.source}:${f.location}`,
                    drift: "exposure",
                    severity: "critical",
                    rule: f.rule,
                },
                annotations: {
                    summary: `A credential matching rule ${f.rule} was found in ${f.source} (${f.location}); rotate it`,
                },
            });
        }
        return out;
    }

    async function runCheck(opts: CheckOptions = {}): Promise<SyncReport> {
        const started = clock.now();
        const costBefore = deps.accounting?.snapshot();
        let fullReads = 0;
        const endTimer = metrics.checkDuration.startTimer();
        let snap: EscSnapshot | undefined;
        let report: SyncReport;
        try {
            try {
                snap = await readEsc(deps.esc, config.esc.org, config.esc.project, config.esc.env, metrics);
            } catch (e) {
                throw scrubError(e, redactor, `reading ESC environment ${config.esc.environment}`);
            }
            registerSecrets(snap);
            let ledgerEntries = await ledger.entries();
            if (deps.attestationsFile) {
                // Before drift: secrets Pulumi wrote become verifiable; a dry run only overlays them in memory.
                ledgerEntries = await applyAttestations({
                    path: deps.attestationsFile,
                    escEnvironment: config.esc.environment,
                    mapped,
                    ledger,
                    entries: ledgerEntries,
                    logger,
                    nowMs: clock.now(),
                    clockSkewSeconds: config.thresholds.clockSkewSeconds,
                    write: opts.dryRun !== true,
                });
            }
            const allTargets = targetsWithLedger(ledgerEntries);
            const gh = await reader.read(allTargets);
            fullReads = gh.fullReads;
            for (const l of gh.listings.values()) if (Array.isArray(l)) scanner.knowNames(l.map((s) => s.name));
            const drift = computeDrift({
                expected,
                esc: snap,
                listings: gh.listings,
                visibleOrgSecrets: gh.visible,
                ledger: ledgerEntries,
                targets: allTargets,
                hmacKey: deps.hmacKey,
                ownedPattern,
                clockSkewSeconds: config.thresholds.clockSkewSeconds,
            });
            const incompleteTargets = [...drift.incompleteTargets, ...gh.shadowErrors];
            const plan = planHeals(drift, config);
            const heals = await executeHeals(plan, drift, snap, opts.dryRun === true, opts.heal === true);
            const counts = Object.fromEntries(
                DRIFT_KINDS.map((k) => [k, drift.entries.filter((d) => d.kind === k).length]),
            );
            const status = incompleteTargets.length > 0 ? "incomplete" : drift.entries.length > 0 ? "drift" : "in_sync";
            consecutiveFailures = status === "incomplete" ? consecutiveFailures + 1 : 0;
            report = {
                status,
                startedAt: new Date(started).toISOString(),
                finishedAt: new Date(clock.now()).toISOString(),
                durationMs: clock.now() - started,
                escEnvironment: config.esc.environment,
                escRevision: snap.revision,
                expected: drift.expected,
                inSync: drift.inSync,
                healthPercent: drift.expected > 0 ? Math.round((drift.inSync / drift.expected) * 10000) / 100 : null,
                consecutiveFailures,
                counts,
                drift: drift.entries,
                incompleteTargets,
                heals,
                ...(opts.dryRun ? { plan: describePlan(plan, config.heal.enabled) } : {}),
                exposures: scanner.findings(),
            };
        } catch (e) {
            consecutiveFailures++;
            const msg = redactor.redact((e as Error).message);
            logger.error({ err: msg }, "check failed");
            report = {
                status: "failed",
                startedAt: new Date(started).toISOString(),
                finishedAt: new Date(clock.now()).toISOString(),
                durationMs: clock.now() - started,
                escEnvironment: config.esc.environment,
                escRevision: snap?.revision ?? null,
                expected: 0,
                inSync: 0,
                healthPercent: null,
                consecutiveFailures,
                counts: {},
                drift: [],
                incompleteTargets: [],
                heals: [],
                exposures: scanner.findings(),
                error: msg,
            };
        }
        if (deps.accounting && costBefore) {
            const c = countsSince(costBefore, deps.accounting.snapshot());
            const github: GitHubCheckCost = {
                requests: c.requests,
                notModified: c.notModified,
                rateLimitPoints: c.primaryPoints,
                secondaryPoints: c.secondaryPoints,
                fullReads,
            };
            report = { ...report, github };
            metrics.checkRateLimitPoints.set({ limit: "primary" }, c.primaryPoints);
            metrics.checkRateLimitPoints.set({ limit: "secondary" }, c.secondaryPoints);
        }
        endTimer({ status: report.status });
        metrics.consecutiveFailures.set(consecutiveFailures);
        if (report.status === "in_sync" || report.status === "drift") {
            metrics.lastSuccess.set(Math.floor(clock.now() / 1000));
            for (const k of DRIFT_KINDS) metrics.drift.set({ kind: k }, report.counts[k] ?? 0);
            if (report.healthPercent !== null) metrics.healthPercent.set(report.healthPercent);
        }
        // Alert texts are scanned before the findings are read, so a leak in them reaches this report's metrics.
        const driftAlerts = alerter.prepare(buildAlerts(report));
        const exposures = scanner.findings();
        // Log findings are events: this check reports them; the next one resolves them unless they are seen again.
        scanner.clear("log");
        await alerter.publish([...driftAlerts, ...exposureAlerts(exposures)]);
        metrics.exposures.set(exposures.length);
        report = redactor.redactDeep({ ...report, exposures });
        if (!opts.dryRun) {
            try {
                await ledger.recordCheck(
                    new Date(started),
                    new Date(clock.now()),
                    report.status,
                    report.healthPercent,
                    report,
                );
                await ledger.pruneChecks(new Date(clock.now()), config.history.retentionDays);
            } catch (e) {
                logger.error({ err: scrubError(e, redactor).message }, "recording check history failed");
            }
        }
        logger.info(
            {
                status: report.status,
                health: report.healthPercent,
                counts: report.counts,
                revision: report.escRevision,
                durationMs: report.durationMs,
            },
            "check finished",
        );
        last = report;
        return report;
    }

    return {
        runCheck,
        lastReport: () => last,
        heals: () => ledger.heals(),
        alerts: () => alerter.current(),
        async approve(id: string) {
            if (!/^[0-9a-f-]{36}$/i.test(id))
                throw new ApprovalError(404, `No heal with id ${JSON.stringify(id.slice(0, 64))}.`);
            const h = await ledger.heal(id);
            if (!h) throw new ApprovalError(404, `No heal with id ${id}.`);
            if (!(await ledger.approve(id, new Date(clock.now()))))
                throw new ApprovalError(409, `Heal ${id} is ${h.status}, not pending.`);
            logger.info({ heal: id, target: h.target, name: h.name, action: h.action }, "heal approved");
            return (await ledger.heal(id))!;
        },
        start() {
            stopped = false;
            const loop = async () => {
                if (stopped) return;
                running = runCheck({ heal: true }).catch((e) =>
                    logger.error({ err: redactor.redact(String(e)) }, "check crashed"),
                );
                await running;
                if (!stopped) timer = setTimeout(loop, config.checkIntervalSeconds * 1000);
            };
            void loop();
        },
        async stop() {
            stopped = true;
            if (timer) clearTimeout(timer);
            await running;
        },
    };
}
