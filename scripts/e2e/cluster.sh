#!/usr/bin/env bash
# A private multi-node Docker Swarm on this one machine: one dockerd per network namespace, all on one host bridge.
#
#   cluster.sh start <state-dir>            brings the cluster up (waits for the lock /var/lock/sophia-cluster.lock)
#   cluster.sh stop <state-dir>             tears it down and restores every host change it made (safe to repeat)
#   cluster.sh node-down <state-dir> <node> a machine dying: its link goes down, then its dockerd is killed (-9)
#   cluster.sh node-up <state-dir> <node>   the machine coming back: link up, dockerd restarted on the same data
#
# Interface for callers (the cluster e2e suite, the overlay prober): after `start`, <state-dir>/nodes.tsv has one line
# per node, manager first:  <name> <address> <docker-socket> <role> <labels>  (tab-separated; labels as k=v,k=v).
# The manager's socket is also in <state-dir>/manager.sock (as text). A registry's CA goes to
# <state-dir>/certs.d/<host:port>/ca.crt: every node sees that directory as its /etc/docker/certs.d.
# Environment (all optional): SOPHIA_CLUSTER_WORKERS (default 3), SOPHIA_CLUSTER_GPUS (NVIDIA-GPU generic resources
# on the GPU node, default 2), SOPHIA_CLUSTER_LOCK_WAIT (seconds to wait for another cluster, default 3600),
# SOPHIA_CLUSTER_PREFER_OFFLINE=1 (every dockerd gets DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1: tasks use local images
# only and never pull, which spares a Docker Hub lookup for images loaded on each node by hand, but also means a node
# that lacks the image rejects the task with "No such image" instead of pulling it from a registry; off by default,
# because the suite's images come from its registry).
#
# Names and ranges, distinct from the single-node suite (se2e0, 10.213-215.x): bridge scl0 with 10.216.0.1/24 and MTU
# 9000 (nodes at .11, .12, ...), swarm pool 10.217.0.0/16, each node's local pool 10.218.0.0/16 and docker0 10.219.0.1/24
# (private to its namespace). Nodes reach the outside (image builds run npm ci) through NAT on the host.
#
# The node labels are the contract a prod cluster must meet (README "Production cluster contract"):
#   manager:  ssd=true zone=a
#   worker 1: zone=a memory-optimized=true
#   worker 2: zone=b memory-optimized=true
#   worker 3: zone=c gpu=true  (and SOPHIA_CLUSTER_GPUS generic resources NVIDIA-GPU=GPU-0..)
# Workers beyond 3 get zone labels only.
set -euo pipefail

cmd="${1:-}"
state="${2:-}"
usage() { echo "usage: cluster.sh start|stop <state-dir> | node-down|node-up <state-dir> <node>" >&2; exit 2; }
[ -n "$cmd" ] && [ -n "$state" ] || usage

bridge=scl0
bridge_addr=10.216.0.1
subnet=10.216.0.0/24
mtu=9000
swarm_pool=10.217.0.0/16
local_pool=10.218.0.0/16
bip=10.219.0.1/24
lock=/var/lock/sophia-cluster.lock
workers="${SOPHIA_CLUSTER_WORKERS:-3}"
gpus="${SOPHIA_CLUSTER_GPUS:-2}"
self="$(readlink -f "$0")"

log() { echo "cluster: $*"; }
dk() { local sock="$1"; shift; docker -H "unix://$sock" "$@"; }

# Node i (0 = manager): name, address, socket.
node_name() { echo "scl-n$1"; }
node_addr() { echo "10.216.0.$((11 + $1))"; }
node_dir() { echo "$state/$(node_name "$1")"; }
node_labels() {
  case "$1" in
    0) echo "ssd=true,zone=a" ;;
    1) echo "zone=a,memory-optimized=true" ;;
    2) echo "zone=b,memory-optimized=true" ;;
    3) echo "zone=c,gpu=true" ;;
    *) echo "zone=z$1" ;;
  esac
}
gpu_node=3

# Records a host change so stop can undo exactly what start did.
record() { echo "$*" >>"$state/host-changes"; }

# Inside the node's fresh mount+UTS namespace (already in its network namespace): its own sysfs with the host's
# cgroup hierarchy bound back (dockerd needs the devices cgroup), private /run/docker and /run/containerd (libnetwork
# keeps its sandboxes there whatever the exec-root), its own /etc/docker (certs.d for the registry CA) and hostname.
node_exec() {
  local i="$1" dir name
  dir="$(node_dir "$i")"
  name="$(node_name "$i")"
  mkdir -p "$dir/cgroup"
  mount --rbind /sys/fs/cgroup "$dir/cgroup"
  mount -t sysfs sysfs /sys
  mount --rbind "$dir/cgroup" /sys/fs/cgroup
  mount -t tmpfs -o size=64m tmpfs /run/docker
  mount -t tmpfs -o size=64m tmpfs /run/containerd
  mount --bind "$state/etc-docker" /etc/docker
  hostname "$name"
  local gpu_args=()
  if [ "$i" -eq "$gpu_node" ]; then
    for g in $(seq 0 $((gpus - 1))); do gpu_args+=(--node-generic-resource "NVIDIA-GPU=GPU-$g"); done
  fi
  if [ "${SOPHIA_CLUSTER_PREFER_OFFLINE:-}" = 1 ]; then export DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1; fi
  exec dockerd \
    --host "unix://$dir/docker.sock" \
    --data-root "$dir/data" \
    --exec-root "$dir/exec" \
    --pidfile "$dir/dockerd.pid" \
    --bip "$bip" \
    --default-address-pool "base=$local_pool,size=24" \
    --cgroup-parent "/$name" \
    --storage-driver overlay2 \
    --log-level warn \
    "${gpu_args[@]}"
}

launch_node() {
  local i="$1" dir
  dir="$(node_dir "$i")"
  mkdir -p "$dir/data" "$dir/exec"
  nsenter --net="/run/netns/$(node_name "$i")" unshare --mount --uts --propagation private \
    bash "$self" _node-exec "$state" "$i" >>"$dir/dockerd.log" 2>&1 &
  echo $! >"$dir/launch.pid"
}

wait_node() {
  local i="$1" dir
  dir="$(node_dir "$i")"
  for _ in $(seq 1 120); do
    if curl -sf --unix-socket "$dir/docker.sock" -o /dev/null http://d/_ping 2>/dev/null; then return 0; fi
    if ! kill -0 "$(cat "$dir/launch.pid")" 2>/dev/null; then
      tail -n 30 "$dir/dockerd.log" >&2
      echo "cluster: dockerd of $(node_name "$i") exited during start (log above: $dir/dockerd.log)" >&2
      return 1
    fi
    sleep 0.5
  done
  echo "cluster: dockerd of $(node_name "$i") did not answer within 60s (log: $dir/dockerd.log)" >&2
  return 1
}

# The lock is held by one sleeping process (its pid in lock.pid) for as long as the cluster is up; stop ends it.
take_lock() {
  rm -f "$state/lock.held"
  (
    exec 9>"$lock"
    flock -w "${SOPHIA_CLUSTER_LOCK_WAIT:-3600}" 9 || exit 1
    touch "$state/lock.held"
    exec sleep 2147483647
  ) >/dev/null 2>&1 &
  echo $! >"$state/lock.pid"
  local waited=0
  while [ ! -f "$state/lock.held" ]; do
    kill -0 "$(cat "$state/lock.pid")" 2>/dev/null || { echo "cluster: could not take $lock" >&2; return 1; }
    waited=$((waited + 1))
    [ "$waited" -eq 10 ] && log "another cluster holds $lock; waiting for it"
    sleep 0.2
  done
}

start() {
  local t0 i n dir name addr
  t0=$(date +%s.%N)
  mkdir -p "$state/certs.d" "$state/etc-docker/certs.d"
  rmdir "$state/etc-docker/certs.d"
  ln -s "$state/certs.d" "$state/etc-docker/certs.d"
  : >"$state/host-changes"
  take_lock
  [ -d /etc/docker ] || { mkdir -p /etc/docker; record "dir /etc/docker"; }
  # mount(8) keeps its utab in /run/mount (first: the undo's own umounts would recreate it); `ip netns add` creates
  # /run/netns as a bind mount of itself.
  [ -d /run/mount ] || record "dir /run/mount"
  [ -d /run/netns ] || record "netnsdir /run/netns"
  for d in /run/docker /run/containerd; do
    [ -d "$d" ] || { mkdir -p "$d"; record "dir $d"; }
  done
  record "ip_forward $(cat /proc/sys/net/ipv4/ip_forward)"
  ip link add "$bridge" type bridge
  record "link $bridge"
  ip link set "$bridge" mtu "$mtu"
  ip addr add "$bridge_addr/24" dev "$bridge"
  ip link set "$bridge" up
  # Bridge netfilter sends bridged frames through FORWARD, whose policy another dockerd may have set to DROP.
  iptables -I FORWARD -i "$bridge" -o "$bridge" -j ACCEPT
  record "iptables filter FORWARD -i $bridge -o $bridge -j ACCEPT"
  iptables -I FORWARD -i "$bridge" ! -o "$bridge" -j ACCEPT
  record "iptables filter FORWARD -i $bridge ! -o $bridge -j ACCEPT"
  iptables -I FORWARD -o "$bridge" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
  record "iptables filter FORWARD -o $bridge -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"
  iptables -t nat -I POSTROUTING -s "$subnet" ! -o "$bridge" -j MASQUERADE
  record "iptables nat POSTROUTING -s $subnet ! -o $bridge -j MASQUERADE"
  sysctl -qw net.ipv4.ip_forward=1

  n=$((workers + 1))
  : >"$state/nodes.tsv"
  for i in $(seq 0 $((n - 1))); do
    name="$(node_name "$i")"
    addr="$(node_addr "$i")"
    record "cgroup /$name"
    ip netns add "$name"
    record "netns $name"
    # veth names: at most 15 characters.
    ip link add "$name-h" mtu "$mtu" type veth peer name "$name-c" mtu "$mtu"
    ip link set "$name-h" master "$bridge" up
    ip link set "$name-c" netns "$name"
    ip -n "$name" link set lo up
    ip -n "$name" link set "$name-c" name eth0
    ip -n "$name" addr add "$addr/24" dev eth0
    ip -n "$name" link set eth0 up
    ip -n "$name" route add default via "$bridge_addr"
    launch_node "$i"
  done
  for i in $(seq 0 $((n - 1))); do wait_node "$i"; done
  local t_daemons
  t_daemons=$(date +%s.%N)

  local msock
  msock="$(node_dir 0)/docker.sock"
  echo "$msock" >"$state/manager.sock"
  # A short dispatcher heartbeat: a lost node is noticed in seconds, not the default ~16 s.
  dk "$msock" swarm init --advertise-addr "$(node_addr 0)" --listen-addr "$(node_addr 0):2377" \
    --default-addr-pool "$swarm_pool" --dispatcher-heartbeat 1s >/dev/null
  local token joins=()
  token="$(dk "$msock" swarm join-token -q worker)"
  for i in $(seq 1 $((n - 1))); do
    dk "$(node_dir "$i")/docker.sock" swarm join --token "$token" --advertise-addr "$(node_addr "$i")" \
      --listen-addr "$(node_addr "$i"):2377" "$(node_addr 0):2377" >/dev/null &
    joins+=($!)
  done
  # Only the joins: the lock holder and the daemons are children too.
  for p in "${joins[@]}"; do wait "$p"; done
  for i in $(seq 0 $((n - 1))); do
    name="$(node_name "$i")"
    local labels args=()
    labels="$(node_labels "$i")"
    for kv in ${labels//,/ }; do args+=(--label-add "$kv"); done
    dk "$msock" node update "${args[@]}" "$name" >/dev/null
    printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$(node_addr "$i")" "$(node_dir "$i")/docker.sock" \
      "$([ "$i" -eq 0 ] && echo manager || echo worker)" "$labels" >>"$state/nodes.tsv"
  done
  for _ in $(seq 1 60); do
    [ "$(dk "$msock" node ls --format '{{.Status}}' | grep -c Ready)" -eq "$n" ] && break
    sleep 0.5
  done
  [ "$(dk "$msock" node ls --format '{{.Status}}' | grep -c Ready)" -eq "$n" ] || {
    dk "$msock" node ls >&2
    echo "cluster: not every node is Ready after 30s" >&2
    return 1
  }
  awk -v d="$t_daemons" -v s="$t0" -v e="$(date +%s.%N)" 'BEGIN { printf "cluster: %d nodes Ready in %.1fs (daemons %.1fs, swarm %.1fs)\n", '"$n"', e - s, d - s, e - d }'
  while IFS=$'\t' read -r name addr _ role labels; do log "  $name $addr $role $labels"; done <"$state/nodes.tsv"
}

# Stops a node's dockerd by the pids this script recorded (never by name); -9 when `hard`.
kill_node() {
  local dir="$1" hard="${2:-}" pid
  for f in dockerd.pid launch.pid; do
    [ -f "$dir/$f" ] || continue
    pid="$(cat "$dir/$f")"
    kill -0 "$pid" 2>/dev/null || continue
    if [ -n "$hard" ]; then
      kill -9 "$pid" 2>/dev/null || true
    else
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
}

# Everything a node still runs once its dockerd is gone, all ours: containerd and the shims (in the node's network
# namespace) and the containers' processes (in the node's cgroup parent, whatever their own namespaces).
node_pids() {
  local name="$1"
  [ -e "/run/netns/$name" ] && ip netns pids "$name" 2>/dev/null
  [ -d "/sys/fs/cgroup/pids/$name" ] && find "/sys/fs/cgroup/pids/$name" -name cgroup.procs -exec cat {} + 2>/dev/null
  true
}
kill_node_procs() {
  local name="$1" pids
  for _ in $(seq 1 20); do
    pids="$(node_pids "$name" | sort -u | tr '\n' ' ')"
    [ -z "${pids// /}" ] && return 0
    # shellcheck disable=SC2086
    kill -9 $pids 2>/dev/null || true
    sleep 0.25
  done
  echo "cluster: processes of $name still alive after kill -9: $pids" >&2
}

node_index() {
  local want="$1" i=0
  while IFS=$'\t' read -r name _; do
    [ "$name" = "$want" ] && { echo "$i"; return 0; }
    i=$((i + 1))
  done <"$state/nodes.tsv"
  echo "cluster: no node named $want in $state/nodes.tsv" >&2
  return 1
}

node_down() {
  local i name
  i="$(node_index "$1")"
  name="$(node_name "$i")"
  # The machine dies: first its network, then everything on it (killing dockerd alone leaves containers running).
  ip link set "$name-h" down
  kill_node "$(node_dir "$i")" hard
  kill_node_procs "$name"
  log "$name down (link down, dockerd and its containers killed)"
}

node_up() {
  local i name
  i="$(node_index "$1")"
  name="$(node_name "$i")"
  ip link set "$name-h" up
  launch_node "$i"
  wait_node "$i"
  log "$name up (link up, dockerd restarted on its data root)"
}

stop() {
  [ -d "$state" ] || { log "nothing to stop at $state"; return 0; }
  local t0 line kind rest
  t0=$(date +%s)
  if [ -f "$state/nodes.tsv" ] || ls -d "$state"/scl-n* >/dev/null 2>&1; then
    # Everything under the state dir is thrown away: no graceful stop (it waits out each container's stop timeout);
    # the namespaces' and cgroups' processes are killed below.
    for dir in "$state"/scl-n*; do [ -d "$dir" ] && kill_node "$dir" hard; done
  fi
  { grep -o " $state/[^ ]*" /proc/mounts || true; } | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  # Undo the recorded host changes in reverse order.
  if [ -f "$state/host-changes" ]; then
    tac "$state/host-changes" | while read -r kind rest; do
      case "$kind" in
        netns)
          kill_node_procs "$rest"
          ip netns del "$rest" 2>/dev/null || true ;;
        cgroup)
          for ctl in /sys/fs/cgroup/*/; do
            [ -d "$ctl${rest#/}" ] && find "$ctl${rest#/}" -depth -type d -exec rmdir {} \; 2>/dev/null || true
          done ;;
        link) ip link delete "$rest" 2>/dev/null || true ;;
        iptables)
          set -- $rest
          local table="$1"; shift
          iptables -t "$table" -D "$@" 2>/dev/null || true ;;
        ip_forward) sysctl -qw "net.ipv4.ip_forward=$rest" || true ;;
        dir) rmdir "$rest" 2>/dev/null || true ;;
        netnsdir)
          # Only when no namespace is left in it (another tool may have added its own meanwhile).
          if [ -z "$(ls -A "$rest" 2>/dev/null)" ]; then
            umount "$rest" 2>/dev/null || true
            rmdir "$rest" 2>/dev/null || true
          fi ;;
      esac
    done
  fi
  for name in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | grep -E '^scl-n[0-9]+-h' | cut -d@ -f1); do
    ip link delete "$name" 2>/dev/null || true
  done
  if [ -f "$state/lock.pid" ]; then
    # The holder, or the flock still waiting in it.
    pkill -P "$(cat "$state/lock.pid")" 2>/dev/null || true
    kill "$(cat "$state/lock.pid")" 2>/dev/null || true
  fi
  rm -rf "$state"
  log "stopped and removed $state in $(( $(date +%s) - t0 ))s"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  node-down) [ -n "${3:-}" ] || usage; node_down "$3" ;;
  node-up) [ -n "${3:-}" ] || usage; node_up "$3" ;;
  _node-exec) node_exec "$3" ;;
  *) usage ;;
esac
