/** Resource type tokens the pack checks (the SDK classes' `__pulumiType`), kept as strings so the pack needs no provider SDKs. */
export const SERVICE = "docker:index/service:Service";
export const NETWORK = "docker:index/network:Network";
export const IMAGE = "docker:index/image:Image";
export const SWARM_CONFIG = "docker:index/serviceConfig:ServiceConfig";
export const SWARM_SECRET = "docker:index/secret:Secret";
/** Docker configs and secrets: immutable Swarm objects that services reference by id. */
export const SWARM_OBJECT_TYPES = [SWARM_CONFIG, SWARM_SECRET] as const;
export const ACTIONS_SECRET_TYPES = [
    "github:index/actionsSecret:ActionsSecret",
    "github:index/actionsOrganizationSecret:ActionsOrganizationSecret",
    "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret",
] as const;

/** Label carrying a service's tier (`high|medium|low|custom`), set by `SwarmService`. */
export const TIER_LABEL = "sophia.tier";
/** Label marking a service whose image the program builds itself (chat-cache, sync-monitor). */
export const RUNTIME_LABEL = "sophia.runtime";
