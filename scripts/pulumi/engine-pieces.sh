#!/usr/bin/env bash
# Usage: engine-pieces.sh <path of the pulumi CLI>
# Says whether this machine has every piece `pulumi up` of this program needs besides the CLI: the Node.js language
# host (next to the CLI or on PATH) and the resource plugins the npm packages declare (docker, random, github, at
# their exact versions, in the plugin cache or on PATH). For each missing piece it names the Go module it is built
# from and what the Go module proxy answers for it, and the command that installs it on a machine with internet.
# Exit 0 when everything is there, 3 when something is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

cli="${1:?usage: engine-pieces.sh <path of the pulumi CLI>}"
plugin_dir="${PULUMI_HOME:-$HOME/.pulumi}/plugins"
missing=0

# What the proxy says about a module path, in one line.
proxy_answer() {
    local answer
    if answer="$(cd "$(mktemp -d)" && GOFLAGS=-mod=mod timeout 60 go list -m -json "$1@latest" 2>&1)"; then
        echo "served ($(printf '%s' "$answer" | sed -n 's/.*"Version": "\(.*\)".*/\1/p'))"
    else
        printf '%s' "$answer" | tr '\n\t' '  ' | sed 's/.*: \(4[0-9][0-9] [A-Za-z ]*\)/\1/; s/  */ /g'
    fi
}

host_dir="$(dirname "$cli")"
if [ -x "$host_dir/pulumi-language-nodejs" ] || command -v pulumi-language-nodejs >/dev/null 2>&1; then
    echo "engine: language host pulumi-language-nodejs: found"
else
    missing=1
    echo "engine: language host pulumi-language-nodejs: MISSING (looked next to $cli and on PATH)"
    echo "        built from github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3; the Go module proxy says: $(proxy_answer github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3)"
    echo "        on a machine with internet it ships with the CLI: curl -fsSL https://get.pulumi.com | sh"
fi

for package in docker random github; do
    manifest="node_modules/@pulumi/$package/package.json"
    [ -f "$manifest" ] || continue
    version="$(node -p "require('./$manifest').pulumi.version")"
    major="${version%%.*}"
    if [ -x "$plugin_dir/resource-$package-v$version/pulumi-resource-$package" ] || command -v "pulumi-resource-$package" >/dev/null 2>&1; then
        echo "engine: resource plugin $package $version: found"
        continue
    fi
    missing=1
    echo "engine: resource plugin $package $version: MISSING (looked in $plugin_dir and on PATH)"
    echo "        built from github.com/pulumi/pulumi-$package/provider/v$major; the Go module proxy says: $(proxy_answer "github.com/pulumi/pulumi-$package/provider/v$major")"
    echo "        on a machine with internet: pulumi plugin install resource $package $version"
done

exit $((missing * 3))
