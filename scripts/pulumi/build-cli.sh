#!/usr/bin/env bash
# Builds (once per machine) the Pulumi CLI from source, at the version of the @pulumi/pulumi npm package in
# package-lock, and prints the path of the binary on its last line. Source: the Go module proxy (pkg/v3 and sdk/v3),
# through the wrapper module in scripts/pulumi/cli (its go.sum pins every dependency). The binary is cached outside
# the repository under $SOPHIA_PULUMI_CACHE (default /var/cache/sophia-pulumi), keyed by version and go.sum, like
# the e2e root filesystem. Go caches stay where `go env` puts them, so a rebuild after a cache wipe is warm.
# The other pieces `pulumi up` needs (the Node.js language host, the resource plugins) are not built here: see
# docs/engine.md for why, and scripts/pulumi/engine-pieces.sh for what this machine has of them.
set -euo pipefail
cd "$(dirname "$0")/../.."

cache_dir="${SOPHIA_PULUMI_CACHE:-/var/cache/sophia-pulumi}"
module_dir=scripts/pulumi/cli

command -v go >/dev/null 2>&1 || {
    echo "pulumi-cli: Go is not installed; install Go 1.26 or newer (https://go.dev/doc/install), then run this again." >&2
    exit 1
}
[ -f node_modules/@pulumi/pulumi/package.json ] || {
    echo "pulumi-cli: node_modules/@pulumi/pulumi is missing; run 'npm ci' first (the CLI is built at its version)." >&2
    exit 1
}
sdk_version="$(node -p 'require("./node_modules/@pulumi/pulumi/package.json").version')"
module_version="$(awk '$1 == "github.com/pulumi/pulumi/pkg/v3" || $2 == "github.com/pulumi/pulumi/pkg/v3" { for (i = 1; i <= NF; i++) if ($i ~ /^v3\./) print $i }' "$module_dir/go.mod" | head -n 1)"
if [ "v$sdk_version" != "$module_version" ]; then
    echo "pulumi-cli: @pulumi/pulumi is $sdk_version but $module_dir/go.mod builds pkg/v3 $module_version. Align them: cd $module_dir && go get github.com/pulumi/pulumi/pkg/v3@v$sdk_version github.com/pulumi/pulumi/sdk/v3@v$sdk_version && go mod tidy" >&2
    exit 1
fi

key="$(sha256sum "$module_dir/go.sum" | cut -c1-12)"
target="$cache_dir/cli-v$sdk_version-$key/bin/pulumi"

if [ ! -x "$target" ]; then
    mkdir -p "$(dirname "$target")"
    start=$(date +%s)
    echo "pulumi-cli: building the Pulumi CLI v$sdk_version from the Go module proxy (cache miss, key $key); about 10 minutes on 2 cores with empty Go caches" >&2
    (cd "$module_dir" && go mod download -x >/dev/null 2>&1) || true
    downloaded=$(date +%s)
    # Release flags (goreleaser): static, trimmed paths, the version stamped where `pulumi version` and the
    # SDK's required-version checks read it.
    partial="$target.partial.$$"
    (
        cd "$module_dir"
        CGO_ENABLED=0 go build -mod=readonly -trimpath -buildvcs=false \
            -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$sdk_version" \
            -o "$partial" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
    ) >&2
    mv "$partial" "$target"
    echo "pulumi-cli: built $target in $(($(date +%s) - start))s (modules $((downloaded - start))s, compile $(($(date +%s) - downloaded))s)" >&2
fi

actual="$("$target" version)"
if [ "$actual" != "v$sdk_version" ]; then
    echo "pulumi-cli: $target reports '$actual', expected v$sdk_version; delete it and run this again." >&2
    exit 1
fi
echo "$target"
