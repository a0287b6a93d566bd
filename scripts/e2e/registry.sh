#!/usr/bin/env bash
# The cluster e2e's image registry: Debian's docker-registry (distribution v2.8) on the cluster bridge, with htpasswd
# authentication, which the registry only accepts over TLS: a CA made here signs the server certificate, and the CA
# goes into the cluster's certs.d so every node trusts it (scripts/e2e/cluster.sh binds it as /etc/docker/certs.d).
#   registry.sh start <cluster-state-dir>   prints "<host:port> <user> <password-file> <ca-file>"
#   registry.sh stop <cluster-state-dir>    stops it by pid (cluster.sh stop removes the rest of the state dir)
set -euo pipefail

cmd="${1:-}"
state="${2:-}"
[ -n "$cmd" ] && [ -n "$state" ] || { echo "usage: registry.sh start|stop <cluster-state-dir>" >&2; exit 2; }
addr=10.216.0.1
port=5443
user=sophia-e2e-deploy
dir="$state/registry"

start() {
  mkdir -p "$dir/data" "$dir/tls"
  local tls="$dir/tls"
  # A throwaway CA and a server certificate for the bridge address (the name the nodes pull by).
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=sophia-e2e cluster CA" \
    -keyout "$tls/ca.key" -out "$tls/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$addr" -keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:%s\nextendedKeyUsage=serverAuth\n' "$addr" >"$tls/ext.cnf"
  openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" -CAcreateserial -days 2 \
    -extfile "$tls/ext.cnf" -out "$tls/server.crt" 2>/dev/null
  # The password never appears in a process argument: htpasswd reads it from stdin.
  openssl rand -hex 24 >"$dir/password"
  chmod 600 "$dir/password"
  htpasswd -iBc "$dir/htpasswd" "$user" <"$dir/password" 2>/dev/null
  cat >"$dir/config.yml" <<CONF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: $addr:$port
  tls:
    certificate: $tls/server.crt
    key: $tls/server.key
auth:
  htpasswd:
    realm: sophia-e2e
    path: $dir/htpasswd
CONF
  mkdir -p "$state/certs.d/$addr:$port"
  cp "$tls/ca.crt" "$state/certs.d/$addr:$port/ca.crt"
  docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
  echo $! >"$dir/registry.pid"
  for _ in $(seq 1 60); do
    # 401 without credentials: up, and authentication is on.
    code="$(curl -s -o /dev/null -w '%{http_code}' --cacert "$tls/ca.crt" "https://$addr:$port/v2/" || true)"
    [ "$code" = 401 ] && break
    kill -0 "$(cat "$dir/registry.pid")" 2>/dev/null || { cat "$dir/registry.log" >&2; echo "registry: exited during start" >&2; exit 1; }
    sleep 0.5
  done
  [ "$code" = 401 ] || { echo "registry: https://$addr:$port/v2/ answered $code, not 401, within 30s" >&2; exit 1; }
  echo "$addr:$port $user $dir/password $tls/ca.crt"
}

stop() {
  [ -f "$dir/registry.pid" ] || return 0
  local pid
  pid="$(cat "$dir/registry.pid")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$dir/registry.pid"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: registry.sh start|stop <cluster-state-dir>" >&2; exit 2 ;;
esac
