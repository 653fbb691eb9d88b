#!/usr/bin/env bash
# Fills in loader.js's list of UI parts (scripts/stage-loader.mjs), then minifies the widget's
# JavaScript and its stylesheet in a release build (esbuild from the npm devDependencies):
# loader.js, the wasm-bindgen glue and the parts' loader lose comments and whitespace, about
# 2.7 KB brotli on every page view, and crumb.css its comments, about 1.4 KB on every page view
# that shows something. Trunk runs it as a post-build hook (Trunk.toml), on the files it has
# staged; www/loader.js and www/crumb.css themselves stay the readable, commented sources.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

out="${TRUNK_STAGING_DIR:-dist}/crumb"
# First (any profile): the UI part's chunk files written into loader.js, read from the splitter's
# unminified output.
node scripts/stage-loader.mjs "$out"
[ "${TRUNK_PROFILE:-release}" = release ] || exit 0
# loader.js is a classic script (no module syntax); the others are ES modules.
esbuild "$out/loader.js" --minify --target=es2017 --legal-comments=none --allow-overwrite --outfile="$out/loader.js" --log-level=warning
for module in crumb.js __wasm_split.js prepaint.js apply.js; do
  esbuild "$out/$module" --minify --format=esm --target=es2020 --legal-comments=none --allow-overwrite --outfile="$out/$module" --log-level=warning
done
# The stylesheet: whitespace and comments only. No --target, so no syntax is lowered or dropped
# (fallback declarations such as 100vh before 100dvh stay, in order).
esbuild "$out/crumb.css" --minify --legal-comments=none --allow-overwrite --outfile="$out/crumb.css" --log-level=warning
