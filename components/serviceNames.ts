/**
 * The Docker service names of the platform's own services, in one place. A service name is its DNS name on the
 * overlay, so the components that create the services, the clients that connect to them (URLs in index.ts, scrape
 * targets) and the config check that keeps application services from taking them all read it from here. The runtime
 * services' names come from their contracts (runtime/<service>/src/contract.ts), which their images also carry.
 */
import { CHAT_CACHE_SERVICE } from "../runtime/chat-cache/src/contract";
import { SYNC_MONITOR_SERVICE } from "../runtime/sync-monitor/src/contract";

/** Docker service names of the data services and the runtime services. */
export const SERVICE_NAMES = {
    redis: "redis",
    postgres: "postgres",
    chatCache: CHAT_CACHE_SERVICE,
    syncMonitor: SYNC_MONITOR_SERVICE,
} as const;
