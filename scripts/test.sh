#!/usr/bin/env bash
# Runs every test of Crumb, installing what is missing first:
#   0. the habits, before anything slow: the widget's layer rule (scripts/check-layers.py), prepaint.js's copy of the language rules
#      (scripts/check-prepaint.mjs), rustfmt, and clippy with warnings as errors on the host
#      (every crate, every target) and on wasm32 for the widget (its component tests included)
#   1. crumb-core, crumb-server, crumb-prerender and crumb-audit on the host (cargo test); the server suite runs
#      against SQLite and against a throwaway PostgreSQL started by scripts/postgres.sh; crumb-audit's command-line
#      journey drives headless Chromium against a fixture page
#   2. the widget's component tests in headless Chromium (wasm-bindgen-test)
#   3. the release bundle and its byte budgets, the npm package packed from it, then the shoppers' journeys end to end in
#      headless Chromium (one installs that package offline and serves it from a plain static server), and
#      crumb-audit against the six demo shops, the broken fixture pages and three other banners from npm
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/setup.sh test

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# Every suite's output also goes to a log, summed up at the end.
exec > >(tee "$log") 2>&1

echo "==> the widget's layers point one way, without a cycle"
scripts/check-layers.py

echo "==> prepaint.js chooses the language as crumb-core does (scripts/check-prepaint.mjs)"
node scripts/check-prepaint.mjs

echo "==> cargo fmt --check"
cargo fmt --all --check

echo "==> clippy on the host (every crate, every target), warnings are errors"
cargo clippy --workspace --all-targets -- -D warnings

echo "==> clippy on wasm32 for the widget, its apply part and the configurator, warnings are errors"
cargo clippy --target wasm32-unknown-unknown -p crumb -p crumb-apply -p crumb-gate -p crumb-configurator --all-targets -- -D warnings

echo "==> host tests: crumb-core, crumb-server (SQLite and PostgreSQL), crumb-prerender, crumb-audit"
scripts/postgres.sh cargo test -p crumb-core -p crumb-server -p crumb-prerender -p crumb-audit --all-targets

echo "==> component tests in headless Chromium (wasm-bindgen-test)"
cargo test --target wasm32-unknown-unknown -p crumb -p crumb-gate -p crumb-configurator --lib

echo "==> release bundle"
trunk build --release

echo "==> byte budgets of the built widget (brotli; scripts/size-budgets.json)"
node scripts/check-sizes.mjs

echo "==> release packages: the npm package and the widget archive (scripts/release.sh; the journey release:: installs the npm package)"
scripts/release.sh --no-build --widget-only

echo "==> end-to-end journeys in headless Chromium"
cargo test -p crumb-e2e --tests -- --test-threads=2

passed=$(grep -oE 'test result: ok\. [0-9]+ passed' "$log" | awk '{s+=$4} END {print s+0}')
echo
echo "Total: $passed passed, 0 failed"
