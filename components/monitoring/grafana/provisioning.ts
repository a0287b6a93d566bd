import { DATASOURCE_UID } from "./model";

/** Where dashboards are mounted inside the Grafana container. */
export const DASHBOARDS_DIR = "/etc/grafana/dashboards";

/** Grafana datasource provisioning file for the stack's Prometheus. */
export function datasourceProvisioning(prometheusUrl: string) {
    return {
        apiVersion: 1,
        // Remove a datasource of the same name left from an earlier provisioning before adding ours.
        deleteDatasources: [{ name: "Prometheus", orgId: 1 }],
        datasources: [
            {
                name: "Prometheus",
                uid: DATASOURCE_UID,
                type: "prometheus",
                access: "proxy",
                orgId: 1,
                url: prometheusUrl,
                isDefault: true,
                editable: false,
                jsonData: { timeInterval: "15s", httpMethod: "POST" },
            },
        ],
    };
}

/** Grafana dashboard provider: read-only dashboards from files, so code stays the source of truth. */
export function dashboardProvisioning() {
    return {
        apiVersion: 1,
        providers: [
            {
                name: "sophia",
                orgId: 1,
                folder: "Sophia",
                type: "file",
                disableDeletion: true,
                allowUiUpdates: false,
                updateIntervalSeconds: 60,
                options: { path: DASHBOARDS_DIR, foldersFromFilesStructure: false },
            },
        ],
    };
}
