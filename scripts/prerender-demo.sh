#!/usr/bin/env bash
# Writes the demo shop's prepaint (docs/prepaint.md): its banner rendered ahead of time by
# crumb-prerender, which loader.js paints on a first visit before the wasm has arrived
# (`data-prepaint` on the demo's script tag). Trunk runs it as a post-build hook (Trunk.toml), so
# it always matches the config in index.html (and the strict-CSP demo's, in its page). The demo
# offers every built-in language; it prepaints the ones most of its visitors read, and the others
# get the banner with the widget.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

out="${TRUNK_STAGING_DIR:-dist}/demo"
mkdir -p "$out"
cargo run --quiet -p crumb-prerender -- index.html --i18n www/i18n --out "$out/prepaint.json" en de fr es it nl pl pt
# The strict-CSP demo paints its own (English), under its Content-Security-Policy.
mkdir -p "$out/strict-csp"
cargo run --quiet -p crumb-prerender -- www/demo/strict-csp/index.html --i18n www/i18n --out "$out/strict-csp/prepaint.json" en
