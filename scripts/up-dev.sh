#!/usr/bin/env bash
# The main job: `pulumi up` of the dev stack against the local Docker engine, with the state kept in a local
# backend (./.pulumi-state) so nothing leaves this machine. Initialises a single-node swarm only when the engine is
# not in one already, and says so. Needs the Pulumi CLI and Docker (see README "Prerequisites").
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "error: $*" >&2; exit 1; }

command -v pulumi >/dev/null 2>&1 || fail "the Pulumi CLI is not installed. Install it (https://www.pulumi.com/docs/install/), then run this again."
command -v docker >/dev/null 2>&1 || fail "the Docker CLI is not installed; install Docker Engine 20.10 or newer."
docker info >/dev/null 2>&1 || fail "cannot reach the Docker engine (is dockerd running, and may this user use it? DOCKER_HOST=${DOCKER_HOST:-unix:///var/run/docker.sock})."

state=$(docker info --format '{{.Swarm.LocalNodeState}}')
case "$state" in
  active)
    echo "Docker engine is already in a swarm: using it as it is." ;;
  inactive)
    echo "Docker engine is not in a swarm: running 'docker swarm init' (single-node swarm, advertised on 127.0.0.1)."
    docker swarm init --advertise-addr 127.0.0.1 >/dev/null ;;
  *)
    fail "the engine's swarm state is '$state'; resolve it (docker swarm leave / join) and run this again." ;;
esac
if [ "$(docker info --format '{{.Swarm.ControlAvailable}}')" != "true" ]; then
  fail "this engine is a swarm worker; run against a manager (set DOCKER_HOST)."
fi

npm ci --no-audit --no-fund --loglevel=error
(cd policies && npm ci --no-audit --no-fund --loglevel=error)

# A local backend: state in ./.pulumi-state, secrets encrypted with a passphrase (empty unless you set one).
export PULUMI_BACKEND_URL="file://$PWD/.pulumi-state"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-}"
mkdir -p .pulumi-state
pulumi stack select dev --create --non-interactive
pulumi up --stack dev --yes --policy-pack policies
