#!/usr/bin/env bash
# /admin on a big consent log (issue 12, item 8; a benchmark, not a test: scripts/test.sh never
# runs it): 10 million records of one site over a year in a throwaway PostgreSQL, then GET /admin
# (the last 30 days) timed through the real router. Prints one JSON line.
#   bench/admin/run.sh [--records 10000000] [--requests 20]
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/env.sh
cargo build --release -q -p crumb-server --example admin_bench
scripts/postgres.sh "${CARGO_TARGET_DIR:-target}/release/examples/admin_bench" "$@"
