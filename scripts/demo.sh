#!/usr/bin/env bash
# Builds the release widget and serves the demo shop with a local consent log:
#   http://127.0.0.1:8080/          the demo shop (banner on first visit)
#   POST /api/consent               consent records, stored in ./crumb-data/consent.sqlite3
#   GET  /api/consent/{id}          the history of one consent id
# Port and database by flag or env: scripts/demo.sh --port 9000 --database /tmp/c.sqlite3
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/setup.sh build
trunk build --release
exec cargo run -p crumb-server -- --site-dir dist "$@"
