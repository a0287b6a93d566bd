import { JOBS } from "./names";
import { PrometheusConfig, ScrapeConfig } from "./types";

/** A service Prometheus scrapes, one target per running task. */
export interface ScrapeTarget {
    /** Job name; becomes the `service` label. Rules know chat-cache and sync-monitor by their job names (see `JOBS`). */
    readonly job: string;
    /** Docker service name: Prometheus resolves `tasks.<serviceName>` on the shared overlay network. */
    readonly serviceName: string;
    readonly port: number;
    /** Defaults to "/metrics". */
    readonly path?: string;
}

export interface PrometheusConfigOptions {
    /** External labels on every series and alert; `stack` lets inhibition stay within one stack. */
    readonly stack: string;
    readonly targets: readonly ScrapeTarget[];
    /** Alertmanager's Docker service name and port. */
    readonly alertmanager: { readonly serviceName: string; readonly port: number };
    /** Rule file paths relative to prometheus.yml. */
    readonly ruleFiles: readonly string[];
    /** Defaults to "15s". */
    readonly scrapeInterval?: string;
}

/** @internal Exported for testing. Rejects target lists Prometheus would load but scrape wrongly. */
export function validateScrapeTargets(targets: readonly ScrapeTarget[]): void {
    const jobs = new Set<string>();
    for (const t of targets) {
        if (!/^[a-zA-Z_][a-zA-Z0-9_-]*$/.test(t.job)) {
            throw new Error(`scrape target \`job\` must be letters, digits, '_' or '-', got ${JSON.stringify(t.job)}.`);
        }
        if (jobs.has(t.job)) {
            throw new Error(`scrape target \`job\` "${t.job}" is listed twice; each service is scraped by one job.`);
        }
        jobs.add(t.job);
        if (!Number.isInteger(t.port) || t.port < 1 || t.port > 65535) {
            throw new Error(`scrape target "${t.job}": \`port\` must be 1-65535, got ${t.port}.`);
        }
        if (t.path !== undefined && !t.path.startsWith("/")) {
            throw new Error(`scrape target "${t.job}": \`path\` must start with '/', got ${JSON.stringify(t.path)}.`);
        }
    }
}

/**
 * One scrape job per service with DNS discovery on `tasks.<service>`: one A record per task, so every replica is
 * scraped on its own (a VIP would hand each scrape to a random task), and it works with both vip and dnsrr endpoints.
 */
export function scrapeJob(t: ScrapeTarget): ScrapeConfig {
    return {
        job_name: t.job,
        metrics_path: t.path ?? "/metrics",
        dns_sd_configs: [{ names: [`tasks.${t.serviceName}`], type: "A", port: t.port, refresh_interval: "30s" }],
        relabel_configs: [{ target_label: "service", replacement: t.job }],
    };
}

/** prometheus.yml as a typed object. */
export function buildPrometheusConfig(opts: PrometheusConfigOptions): PrometheusConfig {
    validateScrapeTargets(opts.targets);
    return {
        global: {
            scrape_interval: opts.scrapeInterval ?? "15s",
            scrape_timeout: "10s",
            evaluation_interval: "15s",
            external_labels: { platform: "sophia", stack: opts.stack },
        },
        alerting: {
            alertmanagers: [
                {
                    dns_sd_configs: [
                        { names: [`tasks.${opts.alertmanager.serviceName}`], type: "A", port: opts.alertmanager.port },
                    ],
                },
            ],
        },
        rule_files: [...opts.ruleFiles],
        scrape_configs: [
            {
                job_name: JOBS.prometheus,
                static_configs: [{ targets: ["localhost:9090"] }],
                relabel_configs: [{ target_label: "service", replacement: JOBS.prometheus }],
            },
            ...opts.targets.map(scrapeJob),
        ],
    };
}
