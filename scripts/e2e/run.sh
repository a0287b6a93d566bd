#!/usr/bin/env bash
# `npm run test:e2e`: deploys the dev stack onto a private single-node Docker Swarm and checks it end to end.
# Self-contained: installs docker.io and debootstrap when missing (Debian/Ubuntu, as root), starts a private dockerd
# (own socket, roots, bridge, address pools; never another engine), runs the checks, and tears everything down on
# success, failure or interrupt. See docs/e2e.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
run_start=$(date +%s)

if [ "$(uname -s)" != Linux ]; then
  echo "e2e: needs Linux (it runs dockerd with overlay networks); this is $(uname -s)." >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "e2e: needs root: it starts a private dockerd, creates a bridge interface and runs debootstrap. Run it as root (e.g. sudo -E npm run test:e2e)." >&2
  exit 1
fi

missing=()
for tool in dockerd:docker.io debootstrap:debootstrap ip:iproute2 iptables:iptables curl:curl; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "e2e: missing ${missing[*]} and this is not a Debian/Ubuntu system; install them with your package manager (dockerd 20.10+, debootstrap, iproute2, iptables, curl)." >&2
    exit 1
  fi
  echo "e2e: installing ${missing[*]}"
  # Keep the packages' own services (docker) from starting: the test runs a private daemon.
  made_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; made_policy=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
fi

# One e2e run per machine at a time: the private daemon's bridge names and address ranges are fixed.
exec 9>/var/lock/sophia-e2e.lock
if ! flock -n 9; then
  echo "e2e: another e2e run holds /var/lock/sophia-e2e.lock; waiting for it to finish"
  flock 9
fi

echo "e2e: applier mapping tests (no daemon needed)"
npx mocha --config test/e2e/.mocharc.unit.json

state="$(mktemp -d /tmp/sophia-e2e.XXXXXX)"
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "${SOPHIA_E2E_KEEP_DAEMON:-}" ]; then
    echo "e2e: SOPHIA_E2E_KEEP_DAEMON is set: leaving the private dockerd up on $state/docker.sock; stop it with: bash scripts/e2e/daemon.sh stop $state"
    exit "$rc"
  fi
  echo "e2e: tearing down the private dockerd"
  bash scripts/e2e/daemon.sh stop "$state" || echo "e2e: teardown reported a problem (see above)" >&2
  echo "e2e: total wall time $(( $(date +%s) - run_start ))s"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bash scripts/e2e/daemon.sh start "$state"
SOPHIA_E2E_DOCKER_SOCK="$state/docker.sock" npx mocha --config test/e2e/.mocharc.json "$@"
