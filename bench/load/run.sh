#!/usr/bin/env bash
# Load benchmark of POST /api/consent (not a test; scripts/test.sh never runs it):
# for SQLite and PostgreSQL, at 64 and 256 connections, 60 s each, from a second process on
# loopback (server/examples/load.rs). Reports requests/s, p50/p99 latency, and compares the
# 2xx answers with the rows stored. Each run gets a fresh database and a fresh server.
#   bench/load/run.sh [--duration SECS] [--connections "64 256"] [--backends "sqlite postgres"]
# Starts a throwaway PostgreSQL (scripts/postgres.sh) unless CRUMB_TEST_POSTGRES_URL is set.
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=60; connections="64 256"; backends="sqlite postgres"
while [ "$#" -gt 0 ]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --backends) backends="$2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
if [[ "$backends" == *postgres* ]] && [ -z "${CRUMB_TEST_POSTGRES_URL:-}" ]; then
  exec scripts/postgres.sh "$0" --duration "$duration" --connections "$connections" --backends "$backends"
fi
source bench/load/common.sh
build
mkdir -p bench/results
out="bench/results/load-latest.md"
{
  echo "Load: POST /api/consent for ${duration} s per row, unique consent ids, client and server on loopback"
  echo "($(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%Y-%m-%d))."
  echo
  echo "| database | connections | requests/s | p50 ms | p99 ms | 2xx answers | other answers / errors | rows stored | rows == 2xx |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
} >"$out"
run=0
for backend in $backends; do
  for c in $connections; do
    run=$((run + 1))
    port=$(free_port)
    database=$(fresh_database "$backend" "crumb_bench_$run")
    start_server "$database" "$port"
    echo "==> $backend, $c connections, ${duration} s" >&2
    result=$("${CARGO_TARGET_DIR:-target}"/release/examples/load --url "http://127.0.0.1:$port" --connections "$c" --duration "$duration" --tag "r$run")
    echo "    $result" >&2
    rows=$(stored_ids "$port" | wc -l)
    stop_server
    ok=$(jq -r .ok <<<"$result")
    same=$([ "$rows" = "$ok" ] && echo yes || echo "NO")
    printf '| %s | %s | %s | %s | %s | %s | %s / %s | %s | %s |\n' "$backend" "$c" "$(jq -r .rps <<<"$result")" \
      "$(jq -r .p50_ms <<<"$result")" "$(jq -r .p99_ms <<<"$result")" "$ok" "$(jq -r .non_2xx <<<"$result")" \
      "$(jq -r .errors <<<"$result")" "$rows" "$same" >>"$out"
  done
done
echo >&2
cat "$out"
