#!/bin/sh
# The official postgres image's entrypoint contract, for Debian's postgresql-15.
set -e
case "$1" in
  -*) set -- postgres "$@" ;;
esac
if [ "$1" != postgres ]; then
  exec "$@"
fi
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [ -n "$POSTGRES_PASSWORD_FILE" ]; then
  [ -r "$POSTGRES_PASSWORD_FILE" ] || { echo "entrypoint: cannot read POSTGRES_PASSWORD_FILE $POSTGRES_PASSWORD_FILE as $(id -un)" >&2; exit 1; }
  POSTGRES_PASSWORD="$(cat "$POSTGRES_PASSWORD_FILE")"
fi
POSTGRES_USER="${POSTGRES_USER:-postgres}"
POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "$POSTGRES_PASSWORD" ]; then
    echo "entrypoint: the database is uninitialised and no password is set (POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE)" >&2
    exit 1
  fi
  # The password through a pipe, as the official entrypoint does (`--pwfile=<(...)`): no temp file, so nothing is
  # written outside $PGDATA and the socket directory (the root filesystem is read-only).
  printf '%s\n' "$POSTGRES_PASSWORD" |
    initdb --username="$POSTGRES_USER" --pwfile=/dev/stdin --auth-local=trust --auth-host=scram-sha-256 -D "$PGDATA" >/dev/null
  echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  if [ "$POSTGRES_DB" != postgres ]; then
    pg_ctl -D "$PGDATA" -w -o "-c listen_addresses='' -c unix_socket_directories=/var/run/postgresql" start >/dev/null
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres -h /var/run/postgresql \
      -c "CREATE DATABASE \"$POSTGRES_DB\"" >/dev/null
    pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  fi
  echo "entrypoint: initialised $PGDATA (user $POSTGRES_USER, database $POSTGRES_DB)"
fi
unset POSTGRES_PASSWORD
exec "$@"
