import { HealthcheckArgs } from "./swarmService";

/**
 * A healthcheck for the Node runtime images, which have no curl or wget: node itself requests `path` on the
 * container's own port and succeeds only on HTTP 200. It checks the process, not its dependencies.
 */
export function nodeHttpHealthcheck(port: number, path = "/healthz"): HealthcheckArgs {
    const script =
        `require('http').get({host:'127.0.0.1',port:${port},path:'${path}',timeout:5000},` +
        "r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))";
    return { test: ["CMD", "node", "-e", script], interval: "20s", timeout: "10s", retries: 3, startPeriod: "20s" };
}
