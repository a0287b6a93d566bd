#!/usr/bin/env bash
# The main job: `pulumi up` of the dev stack against the local Docker engine, with the state kept in a local
# backend (./.pulumi-state) so nothing leaves this machine. It sets up what it needs first:
#   - Docker Engine: installed from the distribution's packages (docker.io) when run as root on Debian/Ubuntu, and
#     started through the service manager when it is installed but not running;
#   - the Pulumi CLI: the one on PATH (or in ~/.pulumi/bin); else the official installer at the version of the
#     @pulumi/pulumi npm package, where get.pulumi.com is reachable; else built from source (scripts/pulumi/build-cli.sh);
#   - npm packages of the program and of the policy pack.
# Whatever it cannot install it names, with the one command that would. It initialises a single-node swarm only
# when the engine is not in one already, and says so.
#
# `--check` does the set-up and the checks but changes no swarm, stack or state, and starts no daemon.
set -euo pipefail
cd "$(dirname "$0")/.."

check_only=""
[ "${1:-}" = "--check" ] && check_only=1

say() { echo "up-dev: $*"; }
fail() {
    echo "up-dev: error: $*" >&2
    exit 1
}
is_root() { [ "$(id -u)" -eq 0 ]; }
has_apt() { command -v apt-get >/dev/null 2>&1; }

command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 ||
    fail "Node.js 20.19+ with npm is not installed; install it (https://nodejs.org/en/download), then run this again."

# --- Docker Engine ---------------------------------------------------------------------------------------------
if ! command -v docker >/dev/null 2>&1 || ! command -v dockerd >/dev/null 2>&1; then
    if is_root && has_apt; then
        say "Docker Engine is not installed: installing the distribution's docker.io package (apt-get install -y docker.io)"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
    else
        fail "Docker Engine 20.10+ is not installed. Install it: sudo apt-get install -y docker.io (Debian/Ubuntu), or see https://docs.docker.com/engine/install/"
    fi
fi

# --- Pulumi CLI --------------------------------------------------------------------------------------------------
# npm packages, when node_modules is missing or older than the lock (npm keeps its own copy of the lock there).
npm_install() {
    if [ ! -f "$1/node_modules/.package-lock.json" ] || [ "$1/package-lock.json" -nt "$1/node_modules/.package-lock.json" ]; then
        say "installing the npm packages of ${1} (npm ci)"
        (cd "$1" && npm ci --no-audit --no-fund --loglevel=error)
    fi
}
npm_install .
npm_install policies
sdk_version="$(node -p 'require("./node_modules/@pulumi/pulumi/package.json").version')"
installer_url="${SOPHIA_PULUMI_INSTALLER_URL:-https://get.pulumi.com}"

cli_source=""
if command -v pulumi >/dev/null 2>&1; then
    cli="$(command -v pulumi)"
    cli_source="installed"
elif [ -x "$HOME/.pulumi/bin/pulumi" ]; then
    cli="$HOME/.pulumi/bin/pulumi"
    cli_source="installed"
else
    installer="$(mktemp)"
    trap 'rm -f "$installer"' EXIT
    if curl -fsSL --max-time 20 -o "$installer" "$installer_url"; then
        say "the Pulumi CLI is not installed: installing v$sdk_version with the official installer ($installer_url)"
        sh "$installer" --version "$sdk_version" --no-edit-path
        cli="$HOME/.pulumi/bin/pulumi"
        cli_source="installer"
    elif command -v go >/dev/null 2>&1; then
        say "the Pulumi CLI is not installed and $installer_url is not reachable: building v$sdk_version from source (scripts/pulumi/build-cli.sh)"
        cli="$(bash scripts/pulumi/build-cli.sh)"
        cli_source="source"
    else
        fail "the Pulumi CLI is not installed, $installer_url is not reachable and Go is not installed to build it. Install the CLI: curl -fsSL https://get.pulumi.com | sh -s -- --version $sdk_version"
    fi
fi
export PATH="$(dirname "$cli"):$PATH"
say "Pulumi CLI: $cli ($cli_source, $("$cli" version))"

# A CLI from the official installer downloads the plugins it lacks on first use; a source build cannot (no plugin
# downloads here), so it needs every piece already on this machine.
if [ "$cli_source" = source ]; then
    export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
    bash scripts/pulumi/engine-pieces.sh "$cli" ||
        fail "the Pulumi CLI was built from source, but the pieces marked MISSING above cannot be built on this machine (docs/engine.md says why); install them with the commands shown, then run this again."
fi

# --- Docker engine running, swarm ------------------------------------------------------------------------------
if ! docker info >/dev/null 2>&1; then
    if [ -z "$check_only" ] && is_root && command -v service >/dev/null 2>&1; then
        say "the Docker engine is not running: starting it (service docker start)"
        service docker start >/dev/null
        for _ in $(seq 1 30); do docker info >/dev/null 2>&1 && break || sleep 1; done
    fi
    docker info >/dev/null 2>&1 ||
        fail "cannot reach the Docker engine (DOCKER_HOST=${DOCKER_HOST:-unix:///var/run/docker.sock}). Start it: sudo service docker start (or sudo systemctl start docker); a non-root user also needs: sudo usermod -aG docker \$USER"
fi

state=$(docker info --format '{{.Swarm.LocalNodeState}}')
if [ -n "$check_only" ]; then
    say "check only: the engine's swarm state is '$state'; every prerequisite is in place"
    exit 0
fi
case "$state" in
    active)
        say "the Docker engine is already in a swarm: using it as it is." ;;
    inactive)
        say "the Docker engine is not in a swarm: running 'docker swarm init' (single-node swarm, advertised on 127.0.0.1)."
        docker swarm init --advertise-addr 127.0.0.1 >/dev/null ;;
    *)
        fail "the engine's swarm state is '$state'; resolve it (docker swarm leave / join) and run this again." ;;
esac
if [ "$(docker info --format '{{.Swarm.ControlAvailable}}')" != "true" ]; then
    fail "this engine is a swarm worker; run against a manager (set DOCKER_HOST)."
fi

# A local backend: state in ./.pulumi-state, secrets encrypted with a passphrase (empty unless you set one).
export PULUMI_BACKEND_URL="file://$PWD/.pulumi-state"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-}"
mkdir -p .pulumi-state
pulumi stack select dev --create --non-interactive
pulumi up --stack dev --yes --policy-pack policies
