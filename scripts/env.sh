# Sourced by the scripts: puts the project's wasm-opt (binaryen 132) first on PATH.
# Debian's binaryen 108 produces wasm that crashes in the browser; never let Trunk find it.
CRUMB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$CRUMB_ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-180}"
