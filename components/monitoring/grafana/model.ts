/**
 * A typed subset of Grafana's dashboard JSON model (schemaVersion 39) and small panel builders. Every panel and query
 * points at the provisioned Prometheus datasource by uid, so dashboards never depend on a datasource name.
 */

/** The uid of the provisioned Prometheus datasource. */
export const DATASOURCE_UID = "sophia-prometheus";

export interface DatasourceRef {
    readonly type: "prometheus";
    readonly uid: string;
}

export const DATASOURCE: DatasourceRef = { type: "prometheus", uid: DATASOURCE_UID };

export interface Target {
    readonly refId: string;
    readonly datasource: DatasourceRef;
    readonly expr: string;
    readonly legendFormat?: string;
    readonly instant?: boolean;
    /** "table" for instant queries that a table panel transforms. Defaults to time series. */
    readonly format?: "table";
}

export interface GridPos {
    readonly h: number;
    readonly w: number;
    readonly x: number;
    readonly y: number;
}

export interface ValueMapping {
    readonly type: "value";
    readonly options: Readonly<
        Record<string, { readonly text: string; readonly color: string; readonly index: number }>
    >;
}

export interface Panel {
    readonly id: number;
    readonly type: "timeseries" | "stat" | "gauge" | "row" | "bargauge" | "table";
    readonly title: string;
    readonly description?: string;
    readonly datasource?: DatasourceRef;
    readonly gridPos: GridPos;
    readonly targets?: readonly Target[];
    readonly fieldConfig?: {
        readonly defaults: {
            readonly unit?: string;
            readonly min?: number;
            readonly max?: number;
            readonly decimals?: number;
            readonly mappings?: readonly ValueMapping[];
            readonly custom?: Readonly<Record<string, unknown>>;
            readonly thresholds?: {
                readonly mode: "absolute";
                readonly steps: readonly { readonly color: string; readonly value: number | null }[];
            };
        };
        readonly overrides: readonly unknown[];
    };
    readonly options?: Readonly<Record<string, unknown>>;
    readonly collapsed?: boolean;
    readonly panels?: readonly Panel[];
    /** Grafana data transformations, applied in order. */
    readonly transformations?: readonly { readonly id: string; readonly options: Readonly<Record<string, unknown>> }[];
    /** Template variable to repeat the panel for (one copy per selected value). */
    readonly repeat?: string;
    readonly repeatDirection?: "h" | "v";
}

export interface TemplateVariable {
    readonly name: string;
    readonly label: string;
    readonly type: "query";
    readonly datasource: DatasourceRef;
    readonly query: { readonly query: string; readonly refId: string };
    readonly definition: string;
    readonly refresh: 2;
    readonly includeAll: boolean;
    readonly multi: boolean;
    readonly sort: 1;
    readonly current: Readonly<Record<string, unknown>>;
}

export interface Dashboard {
    readonly uid: string;
    readonly title: string;
    readonly description: string;
    readonly tags: readonly string[];
    readonly timezone: "utc";
    readonly schemaVersion: 39;
    readonly version: 1;
    readonly editable: false;
    readonly refresh: string;
    readonly time: { readonly from: string; readonly to: string };
    readonly templating: { readonly list: readonly TemplateVariable[] };
    readonly annotations: { readonly list: readonly unknown[] };
    readonly panels: readonly Panel[];
}

/** A panel before layout: the builder assigns ids and grid positions. */
export type PanelSpec = Omit<Panel, "id" | "gridPos"> & { readonly width: number; readonly height: number };

/** A query on the provisioned datasource. */
export function query(expr: string, legendFormat?: string, instant = false): Omit<Target, "refId"> {
    return {
        datasource: DATASOURCE,
        expr,
        ...(legendFormat !== undefined ? { legendFormat } : {}),
        ...(instant ? { instant } : {}),
    };
}

function withRefIds(targets: readonly Omit<Target, "refId">[]): Target[] {
    return targets.map((t, i) => ({ refId: String.fromCharCode(65 + i), ...t }));
}

/** A time series panel. */
export function timeseries(
    title: string,
    targets: Omit<Target, "refId">[],
    opts: { unit?: string; min?: number; max?: number; width?: number; height?: number; description?: string } = {},
): PanelSpec {
    return {
        type: "timeseries",
        title,
        ...(opts.description ? { description: opts.description } : {}),
        datasource: DATASOURCE,
        targets: withRefIds(targets),
        fieldConfig: {
            defaults: {
                unit: opts.unit ?? "short",
                ...(opts.min !== undefined ? { min: opts.min } : {}),
                ...(opts.max !== undefined ? { max: opts.max } : {}),
            },
            overrides: [],
        },
        options: {
            legend: { displayMode: "table", placement: "bottom", calcs: ["lastNotNull", "max"] },
            tooltip: { mode: "multi", sort: "desc" },
        },
        width: opts.width ?? 12,
        height: opts.height ?? 8,
    };
}

/** Threshold steps, red below the first value. */
function steps(thresholds: readonly [number, string][]) {
    return {
        mode: "absolute" as const,
        steps: [{ color: "red", value: null }, ...thresholds.map(([value, color]) => ({ color, value }))],
    };
}

/** A single-value panel with colour thresholds and optional value-to-text mappings. */
export function stat(
    title: string,
    target: Omit<Target, "refId">,
    opts: {
        unit?: string;
        thresholds?: [number, string][];
        mappings?: ValueMapping[];
        width?: number;
        height?: number;
        decimals?: number;
        description?: string;
    } = {},
): PanelSpec {
    return {
        type: "stat",
        title,
        ...(opts.description ? { description: opts.description } : {}),
        datasource: DATASOURCE,
        targets: withRefIds([target]),
        fieldConfig: {
            defaults: {
                unit: opts.unit ?? "short",
                ...(opts.decimals !== undefined ? { decimals: opts.decimals } : {}),
                ...(opts.mappings ? { mappings: opts.mappings } : {}),
                thresholds: steps(opts.thresholds ?? [[0, "green"]]),
            },
            overrides: [],
        },
        options: {
            colorMode: "background",
            graphMode: "area",
            reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false },
            textMode: "auto",
        },
        width: opts.width ?? 6,
        height: opts.height ?? 5,
    };
}

/**
 * A matrix table: an instant query whose series carry a `rowLabel` and a `columnLabel` becomes one row per `rowLabel`
 * value and one column per `columnLabel` value (Grafana's "grouping to matrix" transformation), cells coloured by
 * `mappings`. With `repeat`, one copy per value of that variable.
 */
export function matrixTable(
    title: string,
    expr: string,
    opts: {
        rowLabel: string;
        columnLabel: string;
        mappings: ValueMapping[];
        thresholds: [number, string][];
        repeat?: string;
        description?: string;
        width?: number;
        height?: number;
    },
): PanelSpec {
    return {
        type: "table",
        title,
        ...(opts.description ? { description: opts.description } : {}),
        datasource: DATASOURCE,
        targets: withRefIds([{ ...query(expr, undefined, true), format: "table" }]),
        transformations: [
            {
                id: "groupingToMatrix",
                options: {
                    rowField: opts.rowLabel,
                    columnField: opts.columnLabel,
                    valueField: "Value",
                    emptyValue: "null",
                },
            },
        ],
        fieldConfig: {
            defaults: {
                mappings: opts.mappings,
                thresholds: steps(opts.thresholds),
                custom: { align: "center", cellOptions: { type: "color-background" } },
            },
            overrides: [],
        },
        options: { showHeader: true, cellHeight: "sm", footer: { show: false } },
        ...(opts.repeat ? { repeat: opts.repeat, repeatDirection: "h" as const } : {}),
        width: opts.width ?? 12,
        height: opts.height ?? 8,
    };
}

/** A collapsible-free row header. */
export function row(title: string): PanelSpec {
    return { type: "row", title, collapsed: false, panels: [], width: 24, height: 1 };
}

/** Lays panels out left to right, wrapping at Grafana's 24-column width, and numbers them. */
export function layout(specs: readonly PanelSpec[]): Panel[] {
    let x = 0;
    let y = 0;
    let rowHeight = 0;
    return specs.map((spec, i) => {
        const { width, height, ...panel } = spec;
        if (x + width > 24 || spec.type === "row") {
            x = 0;
            y += rowHeight;
            rowHeight = 0;
        }
        const placed: Panel = { ...panel, id: i + 1, gridPos: { h: height, w: width, x, y } };
        x += width;
        rowHeight = Math.max(rowHeight, height);
        if (spec.type === "row") {
            x = 24;
        }
        return placed;
    });
}

/** A query variable over a label's values. */
export function labelVariable(
    name: string,
    label: string,
    metric: string,
    labelName: string,
    opts: { includeAll?: boolean; multi?: boolean } = {},
): TemplateVariable {
    const definition = `label_values(${metric}, ${labelName})`;
    return {
        name,
        label,
        type: "query",
        datasource: DATASOURCE,
        query: { query: definition, refId: "PrometheusVariableQueryEditor-VariableQuery" },
        definition,
        refresh: 2,
        includeAll: opts.includeAll ?? false,
        multi: opts.multi ?? false,
        sort: 1,
        current: {},
    };
}

/** A dashboard with the stack's defaults (UTC, 30s refresh, last 6 hours, read-only). */
export function dashboard(
    uid: string,
    title: string,
    description: string,
    specs: readonly PanelSpec[],
    variables: readonly TemplateVariable[] = [],
): Dashboard {
    return {
        uid,
        title,
        description,
        tags: ["sophia"],
        timezone: "utc",
        schemaVersion: 39,
        version: 1,
        editable: false,
        refresh: "30s",
        time: { from: "now-6h", to: "now" },
        templating: { list: variables },
        annotations: { list: [] },
        panels: layout(specs),
    };
}
