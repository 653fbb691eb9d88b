#!/usr/bin/env bash
# A throwaway PostgreSQL server on 127.0.0.1 for the server tests and benchmarks:
#   scripts/postgres.sh COMMAND [ARGS...]   start it, run COMMAND with CRUMB_TEST_POSTGRES_URL set,
#                                           stop it and delete its data (exit status is COMMAND's)
#   scripts/postgres.sh                     start it, print the URL, keep it until Ctrl-C
# Uses Debian's `postgresql` package (installed when missing). initdb refuses to run as root, so
# as root the cluster runs as the `postgres` system user. Data lives in a temporary folder;
# trust authentication, listening on 127.0.0.1 only (the cluster holds nothing but test data).
set -euo pipefail
cd "$(dirname "$0")/.."

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
if [ -z "$(pg_bin)" ] || [ ! -x "$(pg_bin)/initdb" ]; then
  echo "==> installing PostgreSQL (Debian package postgresql)" >&2
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2;
  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2; fi
fi
bin="$(pg_bin)"

if [ "$(id -u)" = 0 ]; then as_owner() { runuser -u postgres -- "$@"; }; else as_owner() { "$@"; }; fi

dir="$(mktemp -d /tmp/crumb-postgres.XXXXXX)"
[ "$(id -u)" = 0 ] && chown postgres: "$dir"
chmod 700 "$dir"

# A free port: the first of a random run of ports that nothing answers on.
port=""
for _ in $(seq 1 50); do
  candidate=$(( 20000 + RANDOM % 20000 ))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then port=$candidate; break; fi
done
[ -n "$port" ] || { echo "postgres.sh: no free port found" >&2; exit 1; }

stop() {
  as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT

as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
  -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c max_connections=400" >/dev/null \
  || { cat "$dir/server.log" >&2; exit 1; }

export CRUMB_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
echo "==> PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (CRUMB_TEST_POSTGRES_URL=$CRUMB_TEST_POSTGRES_URL)" >&2

if [ "$#" -gt 0 ]; then
  set +e
  "$@"
  status=$?
  set -e
  exit "$status"
fi
echo "$CRUMB_TEST_POSTGRES_URL"
echo "Ctrl-C stops it and deletes its data." >&2
while true; do sleep 3600; done
