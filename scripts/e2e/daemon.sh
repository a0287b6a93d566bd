#!/usr/bin/env bash
# Starts or stops the PRIVATE dockerd of the e2e test. It owns everything under its state directory (socket, data,
# exec root, pid file, logs) and its own bridge interface and address ranges, so it never touches another Docker
# engine on the machine.
#   daemon.sh start <state-dir>   starts dockerd, waits for the socket, inits a single-node swarm
#   daemon.sh stop <state-dir>    leaves the swarm, stops dockerd by pid, removes its interfaces, rules and files
set -euo pipefail

cmd="${1:-}"
state="${2:-}"
[ -n "$cmd" ] && [ -n "$state" ] || { echo "usage: daemon.sh start|stop <state-dir>" >&2; exit 2; }

bridge=se2e0
bridge_cidr=10.213.0.1/24
gw_bridge=se2e-gw0
gw_subnet=10.213.1.0/24
swarm_pool=10.214.0.0/16
sock="$state/docker.sock"

api() { curl -sS --unix-socket "$sock" "$@"; }

# The cluster contract: the routing mesh's `ingress` overlay encrypted (CIS 7.3). Swarm creates it unencrypted; it can
# only be replaced while no service uses it, i.e. right after `swarm init`.
encrypt_ingress() {
  local i
  for i in $(seq 1 40); do api -f -o /dev/null http://d/networks/ingress 2>/dev/null && break; sleep 0.25; done
  api -f -XDELETE http://d/networks/ingress >/dev/null
  for i in $(seq 1 40); do
    if api -f -XPOST -H 'Content-Type: application/json' http://d/networks/create -d '{
      "Name": "ingress", "Driver": "overlay", "Ingress": true, "CheckDuplicate": true,
      "Options": {"encrypted": ""}}' >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.25
  done
  echo "daemon: could not recreate the ingress network encrypted" >&2
  return 1
}

start() {
  mkdir -p "$state/data" "$state/exec"
  # What the daemon changes on the host, so stop can put it back: it turns on IPv4 forwarding (image builds and
  # containers reach the npm registry through NAT, as on any Docker host) and adds its iptables chains.
  cat /proc/sys/net/ipv4/ip_forward >"$state/ip_forward.before"
  if iptables -n -L DOCKER >/dev/null 2>&1; then echo yes; else echo no; fi >"$state/docker_chains.before"
  if ! ip link show "$bridge" >/dev/null 2>&1; then
    ip link add "$bridge" type bridge
    ip addr add "$bridge_cidr" dev "$bridge"
    ip link set "$bridge" up
  fi
  # No TCP socket; containerd is the daemon's own child (its state lives under exec-root/data-root). The README's node
  # contract as daemon flags: no-new-privileges for every container (CIS 5.26), rotated json-file logs by default.
  dockerd \
    --host "unix://$sock" \
    --data-root "$state/data" \
    --exec-root "$state/exec" \
    --pidfile "$state/dockerd.pid" \
    --bridge "$bridge" \
    --default-address-pool "base=10.215.0.0/16,size=24" \
    --ip-forward=true \
    --iptables=true \
    --storage-driver overlay2 \
    --log-level warn \
    --no-new-privileges \
    --log-driver json-file --log-opt max-size=10m --log-opt max-file=3 \
    >"$state/dockerd.log" 2>&1 &
  echo $! >"$state/dockerd.launch.pid"
  for _ in $(seq 1 120); do
    if api -o /dev/null -f http://d/_ping 2>/dev/null; then break; fi
    if ! kill -0 "$(cat "$state/dockerd.launch.pid")" 2>/dev/null; then
      tail -n 30 "$state/dockerd.log" >&2
      echo "daemon: dockerd exited during start (log above: $state/dockerd.log)" >&2
      exit 1
    fi
    sleep 0.5
  done
  api -o /dev/null -f http://d/_ping || { echo "daemon: dockerd did not answer on $sock within 60s" >&2; exit 1; }
  # Swarm's gateway bridge, created first so it gets our own interface name and subnet instead of docker_gwbridge's defaults.
  api -f -XPOST -H 'Content-Type: application/json' http://d/networks/create -d "{
    \"Name\": \"docker_gwbridge\", \"Driver\": \"bridge\",
    \"IPAM\": {\"Config\": [{\"Subnet\": \"$gw_subnet\"}]},
    \"Options\": {\"com.docker.network.bridge.name\": \"$gw_bridge\", \"com.docker.network.bridge.enable_icc\": \"false\",
      \"com.docker.network.bridge.enable_ip_masquerade\": \"true\"}}" >/dev/null
  # The cluster contract: managers auto-locked (CIS 7.5; this daemon is never restarted, so the key is not kept).
  api -f -XPOST -H 'Content-Type: application/json' http://d/swarm/init -d "{
    \"ListenAddr\": \"127.0.0.1:2377\", \"AdvertiseAddr\": \"127.0.0.1\",
    \"DefaultAddrPool\": [\"$swarm_pool\"], \"SubnetSize\": 24,
    \"Spec\": {\"EncryptionConfig\": {\"AutoLockManagers\": true}}}" >/dev/null
  encrypt_ingress
  echo "daemon: private dockerd $(api http://d/version | sed -E 's/.*"Version":"([^"]+)".*/\1/') up on $sock, swarm initialised"
}

# Removes the iptables rules that name our interfaces; drops Docker's chains and restores IPv4 forwarding only when
# they were not there before and no other dockerd runs (never pull the rug from under another engine).
restore_host() {
  local t rule
  for t in filter nat; do
    iptables -t "$t" -S 2>/dev/null | grep -E -- "$bridge|$gw_bridge|10\.213\.|10\.214\.|10\.215\." | sed 's/^-A /-D /' | while read -r rule; do
      eval "iptables -t $t $rule" 2>/dev/null || true
    done || true
  done
  if pgrep -x dockerd >/dev/null 2>&1; then
    return 0
  fi
  # The encrypted overlays' VXLAN rules (INPUT drop/accept, mangle OUTPUT mark): only ours when no other dockerd runs.
  for t in filter mangle; do
    iptables -t "$t" -S 2>/dev/null | grep -E -- '--dport 4789 .*-m u32' | sed 's/^-A /-D /' | while read -r rule; do
      eval "iptables -t $t $rule" 2>/dev/null || true
    done || true
  done
  if [ "$(cat "$state/docker_chains.before" 2>/dev/null)" = no ]; then
    for t in filter nat; do
      iptables -t "$t" -S 2>/dev/null | grep -E -- '-j DOCKER' | sed 's/^-A /-D /' | while read -r rule; do
        eval "iptables -t $t $rule" 2>/dev/null || true
      done || true
      for chain in DOCKER DOCKER-USER DOCKER-ISOLATION-STAGE-1 DOCKER-ISOLATION-STAGE-2 DOCKER-INGRESS; do
        iptables -t "$t" -F "$chain" 2>/dev/null && iptables -t "$t" -X "$chain" 2>/dev/null || true
      done
    done
  fi
  if [ -f "$state/ip_forward.before" ]; then
    sysctl -qw "net.ipv4.ip_forward=$(cat "$state/ip_forward.before")" || true
  fi
}

stop() {
  if [ -S "$sock" ]; then
    api -XPOST 'http://d/swarm/leave?force=true' >/dev/null 2>&1 || true
  fi
  for f in dockerd.pid dockerd.launch.pid; do
    [ -f "$state/$f" ] || continue
    pid="$(cat "$state/$f")"
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
  restore_host
  for link in "$bridge" "$gw_bridge"; do
    ip link show "$link" >/dev/null 2>&1 && ip link delete "$link" || true
  done
  # Unmount what the daemon may have left mounted under its own directories, then remove them.
  if [ -d "$state" ]; then
    { grep -o " $state/[^ ]*" /proc/mounts || true; } | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
    rm -rf "$state"
  fi
  echo "daemon: stopped and removed $state"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: daemon.sh start|stop <state-dir>" >&2; exit 2 ;;
esac
