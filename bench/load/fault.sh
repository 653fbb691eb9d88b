#!/usr/bin/env bash
# Fault benchmark: kill -9 crumb-server in the middle of a load run, restart it on the same
# database, let the load finish; then every consent id that got a 2xx must be stored (ids
# compared one by one). For SQLite and PostgreSQL. Not a test (scripts/test.sh never runs it).
#   bench/load/fault.sh [--duration SECS] [--kill-after SECS] [--connections N] [--backends "sqlite postgres"]
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=20; kill_after=8; down=2; connections=64; backends="sqlite postgres"
while [ "$#" -gt 0 ]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --kill-after) kill_after="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --backends) backends="$2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
if [[ "$backends" == *postgres* ]] && [ -z "${CRUMB_TEST_POSTGRES_URL:-}" ]; then
  exec scripts/postgres.sh "$0" --duration "$duration" --kill-after "$kill_after" --connections "$connections" --backends "$backends"
fi
source bench/load/common.sh
build
mkdir -p bench/results
out="bench/results/fault-latest.md"
{
  echo "Fault: ${connections} connections for ${duration} s; kill -9 at ${kill_after} s, restarted ${down} s later on the same database."
  echo
  echo "| database | 2xx answers | errors (server down) | rows stored | 2xx ids missing | stored without a 2xx (in flight at the kill) |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: |"
} >"$out"
status=0
run=0
for backend in $backends; do
  run=$((run + 1))
  port=$(free_port)
  database=$(fresh_database "$backend" "crumb_fault_$run")
  start_server "$database" "$port"
  "${CARGO_TARGET_DIR:-target}"/release/examples/load --url "http://127.0.0.1:$port" --connections "$connections" --duration "$duration" \
    --tag "f$run" --ids-out "$work/ok-$run.txt" >"$work/load-$run.json" &
  load_pid=$!
  sleep "$kill_after"
  echo "==> $backend: kill -9 $server_pid" >&2
  kill -9 "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
  sleep "$down"
  start_server "$database" "$port"
  echo "==> $backend: restarted" >&2
  wait "$load_pid"
  result=$(cat "$work/load-$run.json")
  echo "    $result" >&2
  stored_ids "$port" | sort >"$work/stored-$run.txt"
  stop_server
  sort "$work/ok-$run.txt" >"$work/ok-sorted-$run.txt"
  missing=$(comm -23 "$work/ok-sorted-$run.txt" "$work/stored-$run.txt" | wc -l)
  extra=$(comm -13 "$work/ok-sorted-$run.txt" "$work/stored-$run.txt" | wc -l)
  [ "$missing" = 0 ] || status=1
  printf '| %s | %s | %s | %s | %s | %s |\n' "$backend" "$(jq -r .ok <<<"$result")" "$(jq -r .errors <<<"$result")" \
    "$(wc -l <"$work/stored-$run.txt")" "$missing" "$extra" >>"$out"
done
echo >&2
cat "$out"
exit "$status"
