import type { Policies, PolicyPackArgs } from "@pulumi/policy";
import { dockerServiceConfigurePostgresMemory } from "./data/dockerServiceConfigurePostgresMemory";
import { dockerServiceConfigureRedisMemory } from "./data/dockerServiceConfigureRedisMemory";
import { githubActionsSecretRequireDeleteBeforeReplace } from "./github/githubActionsSecretRequireDeleteBeforeReplace";
import { githubActionsSecretRequireSecretValue } from "./github/githubActionsSecretRequireSecretValue";
import { dockerNetworkAdviseStandardMtu } from "./network/dockerNetworkAdviseStandardMtu";
import { dockerNetworkConfigureMtu } from "./network/dockerNetworkConfigureMtu";
import { dockerNetworkIgnoreSwarmVxlanOption } from "./network/dockerNetworkIgnoreSwarmVxlanOption";
import { dockerNetworkRequireEncryption } from "./network/dockerNetworkRequireEncryption";
import { dockerServiceConfigureCanonicalDurations } from "./service/dockerServiceConfigureCanonicalDurations";
import { dockerServiceConfigureRollbackOnFailure } from "./service/dockerServiceConfigureRollbackOnFailure";
import { dockerServiceConfigureUpdateMonitor } from "./service/dockerServiceConfigureUpdateMonitor";
import { dockerServiceDisallowIgnoredSpreadPrefs } from "./service/dockerServiceDisallowIgnoredSpreadPrefs";
import { dockerServiceDisallowRootUser } from "./service/dockerServiceDisallowRootUser";
import { dockerServiceDisallowPlaintextSecrets } from "./service/dockerServiceDisallowPlaintextSecrets";
import { dockerServiceDisallowUnpinnedImages } from "./service/dockerServiceDisallowUnpinnedImages";
import { dockerServiceMatchTierResources } from "./service/dockerServiceMatchTierResources";
import { dockerServiceRequireGpuPlacement } from "./service/dockerServiceRequireGpuPlacement";
import { dockerServiceRequireHealthcheck } from "./service/dockerServiceRequireHealthcheck";
import { dockerServiceRequireDroppedCapabilities } from "./service/dockerServiceRequireDroppedCapabilities";
import { dockerServiceRequireReadOnlyRootFilesystem } from "./service/dockerServiceRequireReadOnlyRootFilesystem";
import { dockerServiceRequireResourceLimits } from "./service/dockerServiceRequireResourceLimits";
import { dockerServiceRequireRuntimeImageDigest } from "./service/dockerServiceRequireRuntimeImageDigest";
import { dockerServiceRestrictPublishedPorts } from "./service/dockerServiceRestrictPublishedPorts";
import { dockerSwarmObjectDisallowFixedNames } from "./service/dockerSwarmObjectDisallowFixedNames";
import { dockerStackDisallowDuplicatePorts } from "./stack/dockerStackDisallowDuplicatePorts";
import { dockerStackRequireBuiltRuntimeImages } from "./stack/dockerStackRequireBuiltRuntimeImages";
import { dockerStackRequireOverlayAttachment } from "./stack/dockerStackRequireOverlayAttachment";

/** The pack's name, as in PulumiPolicy.yaml. */
export const PACK_NAME = "sophia-swarm-guard";

/** Every policy of the pack, in report order. Importing this starts nothing (unlike index.ts). */
export const policies: Policies = [
    dockerNetworkRequireEncryption,
    dockerNetworkConfigureMtu,
    dockerNetworkAdviseStandardMtu,
    dockerNetworkIgnoreSwarmVxlanOption,
    dockerServiceRequireResourceLimits,
    dockerServiceMatchTierResources,
    dockerServiceRequireHealthcheck,
    dockerServiceConfigureRollbackOnFailure,
    dockerServiceConfigureUpdateMonitor,
    dockerServiceConfigureCanonicalDurations,
    dockerServiceDisallowIgnoredSpreadPrefs,
    dockerSwarmObjectDisallowFixedNames,
    dockerServiceDisallowUnpinnedImages,
    dockerServiceRequireRuntimeImageDigest,
    dockerServiceDisallowPlaintextSecrets,
    dockerServiceConfigureRedisMemory,
    dockerServiceConfigurePostgresMemory,
    dockerServiceRequireGpuPlacement,
    dockerServiceRestrictPublishedPorts,
    dockerServiceRequireReadOnlyRootFilesystem,
    dockerServiceRequireDroppedCapabilities,
    dockerServiceDisallowRootUser,
    githubActionsSecretRequireSecretValue,
    githubActionsSecretRequireDeleteBeforeReplace,
    dockerStackRequireOverlayAttachment,
    dockerStackDisallowDuplicatePorts,
    dockerStackRequireBuiltRuntimeImages,
];

/** The pack's arguments: advisory by default; every security- or availability-critical policy sets mandatory itself. */
export const packArgs: PolicyPackArgs = {
    policies,
    enforcementLevel: "advisory",
    description: "Guards the Sophia AI Swarm stack against drift from the platform standard.",
    displayName: "Sophia Swarm guard",
    provider: "docker",
    tags: ["docker", "swarm", "github"],
};
