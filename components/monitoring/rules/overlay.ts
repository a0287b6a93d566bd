import { OVERLAY_PROBE_METRICS as M } from "../../../runtime/overlay-probe/src/contract";
import { RuleGroup } from "../types";

/** How long a path (or a network) must keep failing before it alerts: 8 probe rounds at 15 s. */
export const OVERLAY_ALERT_FOR = "2m";

/** `overlay:node_up` relabelled to the `src` or `dst` side of a path. */
const nodeUpAs = (side: "src" | "dst") => `label_replace(overlay:node_up, "${side}", "$1", "node", "(.+)")`;

/** The network's planned MTU and probe size as labels, one series per network (topk: a rollout may report two). */
const NETWORK_INFO = `topk by (network) (1, max by (network, planned_mtu, full_bytes) (${M.networkInfo}))`;

const CAUSES =
    "On encrypted overlays the usual cause is IPsec: ESP (IP protocol 50) blocked between the nodes, or a node kernel without ESP / rfc4106(gcm(aes)) (dockerd logs `Failed Adding fSA ... function not implemented`). On any overlay: VXLAN (UDP 4789) blocked by a host or cloud firewall, or the nodes' advertise addresses not reachable from each other.";

/**
 * The overlay data plane, from runtime/overlay-probe: every node probes every other node on every network with a small
 * and a full-size TCP exchange. Paths count only while both nodes are up, so a node that is down silences every path
 * alert that involves it (Alertmanager's `equal` cannot match one `node` label against a src/dst pair, so the rules
 * do it). A network on which no path works is one alert, not one per pair.
 */
export function overlayGroup(): RuleGroup {
    const path = "overlay:path:success";
    return {
        name: "sophia-overlay",
        rules: [
            {
                // Up: node-exporter reports, or any prober on the node is scraped (either is enough: both are scraped
                // over an overlay, and one broken network must not make a node look down).
                record: "overlay:node_up",
                expr: `clamp_max(count by (node) (node:instance:info) or count by (node) (label_replace(${M.peers}, "node", "$1", "src", "(.+)")), 1)`,
            },
            {
                // The last probe result per path, kept only while both ends are up. A peer the prober could only name by
                // its address (it never answered and has no reverse DNS name) cannot be checked, so it is kept.
                record: path,
                expr: `max by (network, src, dst, size) (${M.success}) and on (src) ${nodeUpAs("src")} and on (dst) (${nodeUpAs("dst")} or max by (dst) (${M.success}{dst=~"[0-9.]+"}))`,
            },
            {
                record: "overlay:network:small_success:ratio",
                expr: `avg by (network) (${path}{size="small"})`,
            },
            {
                record: "overlay:network:full_success:ratio",
                expr: `avg by (network) (${path}{size="full"})`,
            },
            {
                alert: "OverlayNetworkDown",
                expr: `overlay:network:small_success:ratio == 0`,
                for: OVERLAY_ALERT_FOR,
                labels: { severity: "critical" },
                annotations: {
                    summary: "No cross-node path works on overlay network {{ $labels.network }}",
                    description:
                        "Every probe between the nodes of overlay network {{ $labels.network }} has failed for 2 minutes while the nodes are up: services on different nodes cannot reach each other on it, although every task looks healthy on its own node.",
                    recommendation: `${CAUSES} Test by hand: \`docker exec\` into a task on one node and connect to a task address of another (\`tasks.<service>\`). An encrypted network cannot be made unencrypted in place: recreate it (network \`encrypted: false\` in the stack config) only where the underlay is trusted, or fix the kernel/firewall.`,
                },
            },
            {
                alert: "OverlayPathDown",
                expr: `max by (network, src, dst) (${path}{size="small"} == 0) unless on (network) (overlay:network:small_success:ratio == 0)`,
                for: OVERLAY_ALERT_FOR,
                labels: { severity: "critical" },
                annotations: {
                    summary:
                        "Node {{ $labels.src }} cannot reach node {{ $labels.dst }} on overlay network {{ $labels.network }}",
                    description:
                        "Probes from node {{ $labels.src }} to node {{ $labels.dst }} on overlay network {{ $labels.network }} have failed for 2 minutes while both nodes are up and other paths on the network work: traffic between tasks on these two nodes is lost.",
                    recommendation: `${CAUSES} Compare the two nodes: \`docker node inspect\` (advertise address), the firewall rules on both, and \`ip xfrm state\` on both for encrypted networks.`,
                },
            },
            {
                alert: "OverlayNetworkMtuBlackHole",
                expr: `(overlay:network:full_success:ratio == 0 and on (network) overlay:network:small_success:ratio == 1) + on (network) group_left (planned_mtu, full_bytes) (0 * ${NETWORK_INFO})`,
                for: OVERLAY_ALERT_FOR,
                labels: { severity: "critical" },
                annotations: {
                    summary:
                        "Overlay network {{ $labels.network }} drops full-size packets everywhere (MTU black hole)",
                    description:
                        "On overlay network {{ $labels.network }} small probes pass between every pair of nodes but every exchange of {{ $labels.full_bytes }} bytes (the container MTU of a {{ $labels.planned_mtu }}-byte underlay) stalls: the underlay carries less than the planned MTU {{ $labels.planned_mtu }}, so large responses hang while small requests work.",
                    recommendation:
                        "The underlay MTU is below the network's planned MTU {{ $labels.planned_mtu }}: check `ip link` on every node and the MTU of every switch/bridge/VPN hop between them. Either raise the underlay to {{ $labels.planned_mtu }} end to end, or set the network's `mtu` in the stack config to what the underlay carries (1500 unless every hop is known to carry jumbo frames) and redeploy.",
                },
            },
            {
                alert: "OverlayMtuBlackHole",
                expr: `(max by (network, src, dst) (${path}{size="full"} == 0) and on (network, src, dst) (${path}{size="small"} == 1) unless on (network) (overlay:network:full_success:ratio == 0)) + on (network) group_left (planned_mtu, full_bytes) (0 * ${NETWORK_INFO})`,
                for: OVERLAY_ALERT_FOR,
                labels: { severity: "critical" },
                annotations: {
                    summary:
                        "Full-size packets from node {{ $labels.src }} to node {{ $labels.dst }} are lost on overlay network {{ $labels.network }} (MTU black hole)",
                    description:
                        "Small probes from node {{ $labels.src }} to node {{ $labels.dst }} on overlay network {{ $labels.network }} pass, but exchanges of {{ $labels.full_bytes }} bytes (the container MTU of a {{ $labels.planned_mtu }}-byte underlay) stall for 2 minutes: a hop between the two nodes carries less than the planned MTU {{ $labels.planned_mtu }} and drops larger frames without telling anyone. Large responses between tasks on these nodes hang.",
                    recommendation:
                        "Find the hop whose MTU is below {{ $labels.planned_mtu }} on the path between nodes {{ $labels.src }} and {{ $labels.dst }}: `ip link` on both nodes (and their bridge/switch ports, VPN or cloud links), e.g. `ping -M do -s <planned MTU - 28>` between their underlay addresses. Raise it to {{ $labels.planned_mtu }}, or lower the network's `mtu` in the stack config to what every hop carries.",
                },
            },
        ],
    };
}
