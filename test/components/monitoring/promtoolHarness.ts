import { AlertingRule } from "../../../components/monitoring/types";
import { AlertCase, ExprCheck, InputSeries } from "./ruleCases";

/** Renders the only template form our annotations use, `{{ $labels.name }}`, as Prometheus would. */
export function renderAnnotation(template: string, labels: Record<string, string>): string {
    return template.replace(/\{\{ \$labels\.([a-zA-Z_][a-zA-Z0-9_]*) \}\}/g, (_, name: string) => labels[name] ?? "");
}

const TO_NEAREST = 0.000001;

/** Prometheus' `round(v, to_nearest)`, step by step as Go computes it, so expected values match bit for bit. */
export function promRound(v: number, toNearest = TO_NEAREST): number {
    const inverse = 1.0 / toNearest;
    return Math.floor(v * inverse + 0.5) / inverse;
}

/** Checks compare after rounding to 1e-6 on both sides: promtool compares floats exactly. */
function exprTest(c: ExprCheck) {
    return {
        expr: `round(${c.expr}, ${TO_NEAREST})`,
        eval_time: c.evalTime,
        exp_samples: c.samples.map((s) => ({ labels: s.labels, value: promRound(s.value) })),
    };
}

/** One promtool unit test (its own series) for an alert case. */
export function promtoolTest(c: AlertCase, rule: AlertingRule) {
    return {
        interval: "1m",
        input_series: c.series.map((s: InputSeries) => ({ series: s.series, values: s.values })),
        alert_rule_test: [
            {
                eval_time: c.evalTime,
                alertname: c.alert,
                exp_alerts: c.fires.map((data) => {
                    const labels = { ...data, ...rule.labels };
                    const annotations = Object.fromEntries(
                        Object.entries(rule.annotations).map(([k, v]) => [k, renderAnnotation(v as string, labels)]),
                    );
                    return { exp_labels: labels, exp_annotations: annotations };
                }),
            },
        ],
        promql_expr_test: (c.checks ?? []).map(exprTest),
    };
}

/** A promtool unit test of recording rules only. */
export function promtoolExprTest(series: readonly InputSeries[], checks: readonly ExprCheck[]) {
    return { interval: "1m", input_series: series.map((s) => ({ ...s })), promql_expr_test: checks.map(exprTest) };
}
