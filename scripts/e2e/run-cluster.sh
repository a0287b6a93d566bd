#!/usr/bin/env bash
# `npm run test:e2e:cluster`: deploys the prod stack onto a private multi-node Docker Swarm on this machine (one dockerd
# per network namespace, scripts/e2e/cluster.sh) and checks placement, GPUs, the registry path, the cross-node data
# plane, node loss and data survival. Needs root on Linux. Tears everything down on success, failure or interrupt.
# See docs/e2e.md ("The prod stack on a multi-node Swarm").
set -euo pipefail
cd "$(dirname "$0")/../.."
run_start=$(date +%s)

if [ "$(uname -s)" != Linux ] || [ "$(id -u)" -ne 0 ]; then
  echo "e2e cluster: needs root on Linux (it creates network namespaces, a bridge and several dockerd)." >&2
  exit 1
fi
missing=()
for tool in dockerd:docker.io docker:docker-cli nsenter:util-linux ip:iproute2 iptables:iptables curl:curl \
  docker-registry:docker-registry htpasswd:apache2-utils openssl:openssl debootstrap:debootstrap; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "e2e cluster: missing ${missing[*]}; run scripts/install-system-deps.sh (Debian/Ubuntu) first." >&2
  exit 1
fi

state="$(mktemp -d /tmp/sophia-cluster.XXXXXX)"
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "${SOPHIA_E2E_KEEP_DAEMON:-}" ]; then
    echo "e2e cluster: SOPHIA_E2E_KEEP_DAEMON is set: leaving the cluster up; stop it with: bash scripts/e2e/cluster.sh stop $state"
    exit "$rc"
  fi
  echo "e2e cluster: tearing down"
  bash scripts/e2e/registry.sh stop "$state" || true
  bash scripts/e2e/cluster.sh stop "$state" || echo "e2e cluster: teardown reported a problem (see above)" >&2
  echo "e2e cluster: total wall time $(( $(date +%s) - run_start ))s"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bash scripts/e2e/cluster.sh start "$state"
t=$(date +%s)
registry="$(bash scripts/e2e/registry.sh start "$state")"
echo "e2e cluster: registry https://${registry%% *} (htpasswd auth, TLS with the suite's CA in every node's certs.d) up in $(( $(date +%s) - t ))s"
SOPHIA_CLUSTER_STATE="$state" SOPHIA_CLUSTER_REGISTRY="$registry" npx mocha --config test/e2e/.mocharc.cluster.json "$@"
