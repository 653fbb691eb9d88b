# Sourced by the scripts: puts the project's wasm-opt (binaryen 132) first on PATH.
# Debian's binaryen 108 produces wasm that crashes in the browser; never let Trunk find it.
CRUMB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$CRUMB_ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-180}"
# The release widget is built with this pinned nightly (scripts/build-widget.sh: the standard
# library rebuilt for size, panics that abort at once; about 16 KB brotli off the main part). The
# server, the core and the tests build on stable. scripts/setup.sh installs it.
export CRUMB_NIGHTLY="${CRUMB_NIGHTLY:-nightly-2026-10-29}"
