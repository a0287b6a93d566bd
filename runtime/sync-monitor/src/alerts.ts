/**
 * Alerts to Alertmanager's v2 API. Labels are stable (`alertname`, `secret`, `target`, `drift`, `severity`) so
 * Alertmanager's grouping and repeat interval provide deduplication and cooldown; alerts that stop firing are sent
 * once more with `endsAt` = now to resolve them. Without a URL alerts are logged and exposed only.
 */
import type { Logger } from "./logger";
import type { Metrics } from "./metrics";
import type { Redactor } from "./redact";
import type { ExposureScanner } from "./exposure";
import type { Clock } from "./clock";

/** The Alertmanager v2 postable alert shape. */
export interface Alert {
    labels: Record<string, string>;
    annotations: Record<string, string>;
    startsAt: string;
    endsAt: string;
    generatorURL?: string;
}

export interface AlerterOptions {
    /** Alertmanager base URL; alerts are only logged and exposed when absent. */
    readonly url?: string;
    readonly logger: Logger;
    readonly metrics: Metrics;
    readonly redactor: Redactor;
    readonly scanner: ExposureScanner;
    readonly clock: Clock;
    /** How long a posted alert stays active without a refresh. */
    readonly ttlMs: number;
    readonly fetchImpl?: typeof fetch;
}

const fingerprint = (labels: Record<string, string>): string =>
    Object.keys(labels)
        .sort()
        .map((k) => `${k}=${labels[k]}`)
        .join(",");

/** An alert to publish: labels (identity) and annotations (free text). */
export interface AlertInput {
    readonly labels: Record<string, string>;
    readonly annotations: Record<string, string>;
}

/** Keeps the active alert set and publishes changes. */
export class Alerter {
    private active = new Map<string, Alert>();

    constructor(private readonly o: AlerterOptions) {}

    /** The alerts currently firing (already redacted). */
    current(): Alert[] {
        return [...this.active.values()];
    }

    /**
     * Redacts every text and scans the annotations (free text) for leaked credentials, replacing the previous alert
     * findings. Labels are the monitor's own names, targets and kinds: redacted, never scanned or masked.
     */
    prepare(next: readonly AlertInput[]): AlertInput[] {
        this.o.scanner.clear("alert");
        return next.map((a) => ({
            labels: Object.fromEntries(Object.entries(a.labels).map(([k, v]) => [k, this.o.redactor.redact(v)])),
            annotations: Object.fromEntries(
                Object.entries(a.annotations).map(([k, v]) => [
                    k,
                    this.o.scanner.scan(this.o.redactor.redact(v), "alert", a.labels.alertname),
                ]),
            ),
        }));
    }

    /**
     * Replaces the firing set with `next` (label sets + annotations, from {@link prepare}), posting firing alerts and
     * resolving the ones that disappeared. Never throws: a failed post is logged and counted.
     */
    async publish(next: readonly AlertInput[]): Promise<void> {
        const now = this.o.clock.now();
        const nowIso = new Date(now).toISOString();
        const endsAt = new Date(now + this.o.ttlMs).toISOString();
        const fresh = new Map<string, Alert>();
        for (const a of next) {
            // Redacting again is idempotent and keeps publish safe for callers that skipped prepare.
            const labels = Object.fromEntries(Object.entries(a.labels).map(([k, v]) => [k, this.o.redactor.redact(v)]));
            const annotations = Object.fromEntries(
                Object.entries(a.annotations).map(([k, v]) => [k, this.o.redactor.redact(v)]),
            );
            const fp = fingerprint(labels);
            fresh.set(fp, { labels, annotations, startsAt: this.active.get(fp)?.startsAt ?? nowIso, endsAt });
        }
        const resolved = [...this.active.entries()]
            .filter(([fp]) => !fresh.has(fp))
            .map(([, a]) => ({ ...a, endsAt: nowIso }));
        // Log transitions only, so a long-lasting drift does not repeat a line every check.
        for (const [fp, a] of fresh) {
            if (!this.active.has(fp))
                this.o.logger.warn({ alert: a.labels, summary: a.annotations.summary }, "alert firing");
        }
        for (const a of resolved) this.o.logger.info({ alert: a.labels }, "alert resolved");
        this.active = fresh;
        const body = [...fresh.values(), ...resolved];
        if (!this.o.url || body.length === 0) return;
        try {
            const res = await (this.o.fetchImpl ?? fetch)(`${this.o.url.replace(/\/+$/, "")}/api/v2/alerts`, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: JSON.stringify(body),
                signal: AbortSignal.timeout(10_000),
            });
            if (!res.ok) throw new Error(`Alertmanager answered HTTP ${res.status}`);
            this.o.metrics.alertPosts.inc({ outcome: "ok" });
        } catch (e) {
            this.o.metrics.alertPosts.inc({ outcome: "error" });
            this.o.logger.error({ err: this.o.redactor.redact(String((e as Error).message)) }, "posting alerts failed");
        }
    }
}
