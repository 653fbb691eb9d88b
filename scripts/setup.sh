#!/usr/bin/env bash
# Installs what building and testing Crumb needs, skipping what is already there:
# the wasm32 target, the pinned nightly that builds the release widget, Trunk 0.21.14, wasm-bindgen-cli 0.2.130, wasm-split-cli 0.2.4, wasm-opt (binaryen 132) and esbuild from npm,
# and for tests Debian's Chromium + ChromeDriver and PostgreSQL (the server suite's second database). Usage: scripts/setup.sh [build|test]
set -euo pipefail
cd "$(dirname "$0")/.."
need="${1:-test}"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# The pinned nightly that builds the release widget (scripts/env.sh, CRUMB_NIGHTLY), with the
# standard library's source (-Zbuild-std). Without it the widget builds on stable, bigger, and
# scripts/build-widget.sh says so.
source scripts/env.sh
if ! rustup run "$CRUMB_NIGHTLY" rustc --version >/dev/null 2>&1 ||
  ! rustup component list --toolchain "$CRUMB_NIGHTLY" --installed 2>/dev/null | grep -q '^rust-src'; then
  say "installing $CRUMB_NIGHTLY with rust-src (builds the release widget; about 10 seconds, once)"
  rustup toolchain install "$CRUMB_NIGHTLY" --profile minimal --component rust-src ||
    say "WARNING: $CRUMB_NIGHTLY could not be installed; the release widget will be built on stable (bigger)"
fi

if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen 0.2.130" ]; then
  say "installing wasm-bindgen-cli 0.2.130 (about 4 minutes, once)"
  cargo install wasm-bindgen-cli --version 0.2.130 --force
fi

if [ "$(trunk --version 2>/dev/null)" != "trunk 0.21.14" ]; then
  say "installing Trunk 0.21.14 (about 11 minutes, once)"
  cargo install trunk --version 0.21.14 --locked --force
fi

# The splitter that cuts the widget's wasm into parts loaded on demand (scripts/build-widget.sh);
# it matches the wasm_split_helpers 0.2.3 that Leptos 0.8 and the widget use.
if ! cargo install --list 2>/dev/null | grep -qx 'wasm_split_cli_support v0.2.4:'; then
  say "installing wasm-split-cli 0.2.4 (about 2 minutes, once)"
  cargo install wasm_split_cli_support --version 0.2.4 --features build-binary --locked --force
fi

if [ ! -x node_modules/.bin/wasm-opt ] || ! node_modules/.bin/wasm-opt --version | grep -q 'version 132' ||
  [ "$(node_modules/.bin/esbuild --version 2>/dev/null)" != 0.28.2 ] ||
  ! node -e 'const d = require("./package.json").devDependencies; for (const n in d) if (require("./node_modules/" + n + "/package.json").version !== d[n]) process.exit(1)' 2>/dev/null; then
  say "installing binaryen 132 (wasm-opt), esbuild 0.28.2 (minifies the widget's JavaScript), axe-core (accessibility journeys) and the audit's banner libraries from npm"
  npm ci --no-audit --no-fund
fi

apt_install() {
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@";
  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"; fi
}

if [ "$need" = test ]; then
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    say "installing Chromium and ChromeDriver (Debian packages)"
    apt_install chromium chromium-driver
  fi
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    say "installing PostgreSQL (Debian package) for the server tests"
    apt_install postgresql
  fi
fi
