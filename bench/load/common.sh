# Sourced by bench/load/*.sh: builds the release server and the load client, starts and stops
# servers on a free port with a fresh database (SQLite file or PostgreSQL database).

source scripts/env.sh
BENCH_TOKEN="bench-admin-token-0123456789"
work="$(mktemp -d /tmp/crumb-load.XXXXXX)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

build() {
  echo "==> building crumb-server and the load client (release)" >&2
  cargo build --release -q -p crumb-server --bin crumb-server --example load
}

free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$(( 20000 + RANDOM % 20000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  echo "no free port" >&2; return 1
}

# fresh_database BACKEND NAME: prints the --database value of an empty database.
fresh_database() {
  case "$1" in
    sqlite) echo "$work/$2.sqlite3" ;;
    postgres)
      psql -q "$CRUMB_TEST_POSTGRES_URL" -c "DROP DATABASE IF EXISTS $2" -c "CREATE DATABASE $2" >&2
      echo "${CRUMB_TEST_POSTGRES_URL%/*}/$2" ;;
  esac
}

# start_server DATABASE PORT: starts crumb-server (no rate limit: one client address is the
# whole load) and waits for /api/health.
start_server() {
  CRUMB_ADMIN_TOKEN="$BENCH_TOKEN" "${CARGO_TARGET_DIR:-target}"/release/crumb-server --database "$1" --port "$2" --rate-limit 0 --allow-origin crumb-bench=http://bench.example \
    --site-dir "$work/no-site" >>"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do
    if curl -fs "http://127.0.0.1:$2/api/health" >/dev/null 2>&1; then return; fi
    sleep 0.1
  done
  cat "$work/server.log" >&2; echo "crumb-server did not start" >&2; return 1
}

stop_server() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  server_pid=""
}

# stored_ids PORT: the consent ids stored for site crumb-bench, one a line (through the export).
stored_ids() {
  curl -fsS -H "Authorization: Bearer $BENCH_TOKEN" "http://127.0.0.1:$1/api/export?site=crumb-bench&format=csv" \
    | tail -n +2 | cut -d, -f1
}
