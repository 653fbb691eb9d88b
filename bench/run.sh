#!/usr/bin/env bash
# Crumb's benchmark in one command: builds the release bundle, assembles a site folder (a copy of
# dist/ plus reference/, the same demo shop with orestbida vanilla-cookieconsent 3.1 instead of
# Crumb), serves it with crumb-server (precompressed brotli/gzip, chosen by Accept-Encoding, like a
# CDN), and drives headless Chromium over fresh profiles, Crumb and the reference interleaved,
# unthrottled and under emulated slow 4G. Prints a side-by-side table and writes
# bench/results/latest.json. Extra arguments go to bench.mjs, e.g. `bench/run.sh --runs 30`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
started=$SECONDS

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

scripts/setup.sh test
if [ ! -f node_modules/playwright-core/package.json ] || [ ! -f node_modules/vanilla-cookieconsent/package.json ]; then
  say "installing playwright-core (the browser driver; it uses Debian's /usr/bin/chromium) and the reference banner"
  npm ci --no-audit --no-fund
fi

say "release bundle"
trunk build --release

say "crumb-server"
cargo build -p crumb-server

work="$(mktemp -d "${TMPDIR:-/tmp}/crumb-bench.XXXXXX")"
port="$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')"
server_pid=""
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap stop_server EXIT
trap 'exit 130' INT TERM

say "site: dist/ plus the reference page"
site="$work/site"
node bench/reference/build.mjs --dist dist --out "$site"

cargo run -q -p crumb-server -- --site-dir "$site" --port "$port" --database "$work/consent.sqlite3" >"$work/server.log" 2>&1 &
server_pid=$!

url="http://127.0.0.1:$port/"
# It writes .br/.gz for every file of the fresh site folder before it listens (brotli q11 of the wasm
# takes a while in a debug build on a busy machine).
for _ in $(seq 1 900); do
  if curl -fsS -o /dev/null "${url}api/health" 2>/dev/null; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "crumb-server stopped before it was ready:" >&2
    cat "$work/server.log" >&2
    exit 1
  fi
  sleep 0.2
done
if ! curl -fsS -o /dev/null "${url}api/health"; then
  echo "crumb-server did not answer ${url}api/health within 180 s:" >&2
  cat "$work/server.log" >&2
  exit 1
fi

say "benchmark against $url"
node bench/bench.mjs --url "$url" --dist "$site" --runs 15 "$@"

say "done in $((SECONDS - started)) s"
