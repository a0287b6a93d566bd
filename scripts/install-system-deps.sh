#!/usr/bin/env bash
# Installs the Debian packages the tests use: real Redis, Postgres, promtool/amtool, Alertmanager, nginx (the
# benchmark's reference cache), and dockerd + debootstrap for the end-to-end test. Safe to run again: it only installs
# what is missing. Needs root (or sudo) on Debian/Ubuntu; elsewhere it says what to install and stops.
set -euo pipefail

# docker-registry, apache2-utils (htpasswd -B) and openssl: the cluster e2e's authenticated TLS registry.
packages=(redis-server postgresql prometheus prometheus-alertmanager nginx docker.io debootstrap curl ca-certificates iproute2 iptables
  docker-registry apache2-utils openssl)
# What each package provides, to check without asking dpkg about virtual names.
declare -A probe=(
  [redis-server]=/usr/bin/redis-server [postgresql]=/usr/lib/postgresql [prometheus]=/usr/bin/promtool
  [prometheus-alertmanager]=/usr/bin/amtool [nginx]=/usr/sbin/nginx [docker.io]=/usr/sbin/dockerd
  [debootstrap]=/usr/sbin/debootstrap [curl]=/usr/bin/curl [ca-certificates]=/etc/ssl/certs
  [iproute2]=/usr/sbin/ip [iptables]=/usr/sbin/iptables
  [docker-registry]=/usr/bin/docker-registry [apache2-utils]=/usr/bin/htpasswd [openssl]=/usr/bin/openssl
)

missing=()
for p in "${packages[@]}"; do
  [ -e "${probe[$p]}" ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "Missing: ${missing[*]}. Install them with your package manager (this script knows apt-get only)." >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "Missing: ${missing[*]}. Run this script as root, or install them: apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

echo "installing: ${missing[*]}"
# The packages' own services (postgresql, redis, prometheus, docker) must not start: tests start private instances.
policy=/usr/sbin/policy-rc.d
made_policy=""
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod +x "$policy"
  made_policy=1
fi
trap '[ -n "$made_policy" ] && $sudo rm -f "$policy"' EXIT
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "system packages: installed ${missing[*]}"
