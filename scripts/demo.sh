#!/usr/bin/env bash
# Builds the release widget and serves the demo shop with a local consent log:
#   http://127.0.0.1:8080/          the demo shop (banner on first visit)
#   http://127.0.0.1:8080/demo/<shop>/   five real shops' policies as demo shops (listed at start)
#   POST /api/consent               consent records, stored in ./crumb-data/consent.sqlite3
#   GET  /api/consent/{id}          the history of one consent id (admin token)
#   http://127.0.0.1:8080/admin     consent rates and a chart (admin token; seeded with demo data)
#   http://127.0.0.1:8080/admin/sites/crumb-demo   the configurator; /demo/hosted/ loads what it publishes
# The admin token is CRUMB_ADMIN_TOKEN, or a random one printed at start.
# Port and database by flag or env: scripts/demo.sh --port 9000 --database /tmp/c.sqlite3
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/setup.sh build
trunk build --release
if [ -z "${CRUMB_ADMIN_TOKEN:-}" ]; then
  CRUMB_ADMIN_TOKEN="demo-$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')"
fi
export CRUMB_ADMIN_TOKEN

# The address the server will listen on, for the list of URLs (same flags and env as the server).
host="${CRUMB_BIND:-127.0.0.1}"
port="${CRUMB_PORT:-8080}"
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    --port) port="${args[i + 1]:-$port}" ;;
    --port=*) port="${args[i]#--port=}" ;;
    --bind) host="${args[i + 1]:-$host}" ;;
    --bind=*) host="${args[i]#--bind=}" ;;
  esac
done
# Build the server first, start it, and print the addresses only once it answers: a fresh clone
# compiles for minutes, and a URL printed before the server listens leads nowhere.
cargo build -p crumb-server
server="${CARGO_TARGET_DIR:-target}/debug/crumb-server"
# crumb-server takes records only for declared sites: each demo page's `site`, from the origins
# a browser on this machine opens them on.
origins=("http://127.0.0.1:$port" "http://localhost:$port")
case "$host" in 127.0.0.1 | localhost | 0.0.0.0 | "::" | "[::]") ;; *) origins+=("http://$host:$port") ;; esac
declared=()
for site in $(grep -ohE '"site" *: *"[A-Za-z0-9._-]+"' dist/index.html dist/demo/*/index.html | sed -E 's/.*"([^"]+)"$/\1/' | sort -u); do
  for origin in "${origins[@]}"; do declared+=(--allow-origin "$site=$origin"); done
done
"$server" --site-dir dist --demo-data "${declared[@]}" "$@" &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null' INT TERM
probe="$host"
case "$probe" in 0.0.0.0 | "::" | "[::]") probe=127.0.0.1 ;; esac
case "$probe" in *:*) probe="[${probe#[}"; probe="${probe%]}]" ;; esac
until curl -fsS -o /dev/null "http://$probe:$port/api/health" 2>/dev/null; do
  if ! kill -0 "$pid" 2>/dev/null; then
    wait "$pid" || true
    echo "crumb-server stopped before it answered http://$probe:$port/api/health (see its message above)" >&2
    exit 1
  fi
  sleep 0.2
done

# The demo shop again with its config hosted by the server (version 1 published from the inline one).
node scripts/hosted-demo.mjs "http://$probe:$port" "$CRUMB_ADMIN_TOKEN"

echo "Crumb demo:  http://$host:$port/"
echo "Hosted:      http://$host:$port/demo/hosted/ (its config is edited in the configurator below)"
echo "Strict CSP:  http://$host:$port/demo/strict-csp/"
echo "Real shops (one origin: a choice made in one shop can carry to another; use a private window per shop or Crumb.reset()):"
for page in dist/demo/*/index.html; do
  shop="${page#dist/demo/}"
  shop="${shop%/index.html}"
  case "$shop" in strict-csp | hosted) continue ;; esac
  echo "  http://$host:$port/demo/$shop/"
done
echo "Admin page:  http://$host:$port/admin (sign in with the token $CRUMB_ADMIN_TOKEN)"
echo "Configurator: http://$host:$port/admin/sites/crumb-demo (same token; more: crumb-server token add NAME --role editor)"
echo "  or: curl -H 'Authorization: Bearer $CRUMB_ADMIN_TOKEN' 'http://$host:$port/api/export?site=crumb-demo&format=csv'"
echo "Ctrl-C stops the server."
wait "$pid"
