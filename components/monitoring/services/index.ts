export * from "./alertmanager";
export * from "./cadvisor";
export * from "./context";
export * from "./grafana";
export * from "./nodeExporter";
export * from "./postgresExporter";
export * from "./prometheus";
export * from "./redisExporter";
