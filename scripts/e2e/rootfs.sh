#!/usr/bin/env bash
# Builds (once) the Debian bookworm root filesystem the e2e stand-in images are imported from, and prints the path of
# the cached tarball. The cache key is the suite, variant and package list, so a changed list builds a new tarball and
# a rerun on the same machine reuses the old one. Needs root and debootstrap; the Debian mirror must be reachable.
set -euo pipefail

cache_dir="${SOPHIA_E2E_CACHE:-/var/cache/sophia-e2e}"
mirror="${SOPHIA_E2E_MIRROR:-http://deb.debian.org/debian}"
suite=bookworm
# Every stand-in is derived from this one filesystem (one debootstrap, one shared image layer). wget: the
# monitoring services' healthchecks run `wget -q --spider` as in the busybox-based official images.
packages=(
  ca-certificates curl wget libstdc++6 procps
  redis-server redis-tools
  postgresql-15 postgresql-client-15
  prometheus prometheus-alertmanager prometheus-node-exporter
  prometheus-redis-exporter prometheus-postgres-exporter
)
IFS=, include="${packages[*]}"
key="$(printf '%s\n' "$suite" minbase "$include" | sha256sum | cut -c1-16)"
tarball="$cache_dir/rootfs-$suite-$key.tar"

if [ -s "$tarball" ]; then
  echo "$tarball"
  exit 0
fi
mkdir -p "$cache_dir"
work="$(mktemp -d "$cache_dir/build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
echo "rootfs: debootstrap --variant=minbase $suite with: $include (cache miss, key $key)" >&2
if ! debootstrap --variant=minbase --include="$include" "$suite" "$work/target" "$mirror" >"$work/debootstrap.log" 2>&1; then
  tail -n 30 "$work/debootstrap.log" >&2
  echo "rootfs: debootstrap failed (log above); is $mirror reachable?" >&2
  exit 1
fi
# Trim what a container never uses.
rm -rf "$work/target/var/cache/apt/archives/"*.deb "$work/target/var/lib/apt/lists/"* "$work/target/usr/share/doc" "$work/target/usr/share/man"
tar -C "$work/target" --numeric-owner -cf "$work/rootfs.tar" .
mv "$work/rootfs.tar" "$tarball"
echo "rootfs: built $tarball in $(( $(date +%s) - start ))s" >&2
echo "$tarball"
