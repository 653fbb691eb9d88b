#!/usr/bin/env bash
# Builds the configurator (crates/crumb-configurator, the page at /admin/sites/{site}) into
# dist/configurator/: crumb_configurator.js + crumb_configurator_bg.wasm (wasm-bindgen --target
# web), and the hand-written start.js, configurator.css and preview.css from www/configurator/.
# Trunk runs it as a build hook after the widget's (Trunk.toml), so `trunk build --release`
# produces it; it also runs on its own. Stable Rust, a plain (unsplit) module: an admin tool,
# not held to the widget's byte budgets.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

profile="${TRUNK_PROFILE:-release}"
out="${TRUNK_STAGING_DIR:-dist}/configurator"
target_dir="${CARGO_TARGET_DIR:-target}"
# A target directory of its own, apart from the widget's (other flags) and Trunk's own build.
wasm_target="$target_dir/configurator"
case "$profile" in
  release) cargo_profile=(--release); built="$wasm_target/wasm32-unknown-unknown/release/crumb_configurator.wasm" ;;
  *) cargo_profile=(); built="$wasm_target/wasm32-unknown-unknown/debug/crumb_configurator.wasm" ;;
esac

RUSTUP_TOOLCHAIN=stable cargo build --target wasm32-unknown-unknown --target-dir "$wasm_target" \
  -p crumb-configurator --lib "${cargo_profile[@]}"

mkdir -p "$out"
wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name crumb_configurator "$built"
if [ "$profile" = release ] && command -v wasm-opt >/dev/null; then
  wasm-opt "$out/crumb_configurator_bg.wasm" -Oz --enable-bulk-memory --enable-mutable-globals \
    --enable-nontrapping-float-to-int --enable-sign-ext --enable-reference-types --enable-multivalue \
    -o "$out/crumb_configurator_bg.wasm"
fi
cp www/configurator/start.js www/configurator/configurator.css www/configurator/preview.css "$out/"
