/**
 * Overlay network option keys, shared by OverlayNetwork and the policy pack (pure module, no provider SDK).
 */

/** Underlay MTU option of an overlay network. */
export const MTU_OPTION = "com.docker.network.driver.mtu";
/** Presence of this option turns on IPsec encryption (libnetwork checks only that the key exists). */
export const ENCRYPTED_OPTION = "encrypted";
/**
 * The option Swarm adds to every overlay network it creates (e.g. `"4097"`): the provider stores what Docker
 * reports, the option map is ForceNew, so without ignoring it every `up` after the first replaces the network.
 */
export const SWARM_VXLAN_OPTION = "com.docker.network.driver.overlay.vxlanid_list";
/**
 * The `ignoreChanges` path of that one key (bracket form: the key contains dots). Ignoring `options` as a whole would
 * also hide an MTU or encryption change, which must replace the network deliberately.
 */
export const VXLAN_IGNORE_CHANGES_PATH = `options["${SWARM_VXLAN_OPTION}"]`;
