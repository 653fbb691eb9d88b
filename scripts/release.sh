#!/usr/bin/env bash
# Builds Crumb's release packages, for site owners who never install Rust (docs/deploy.md):
#   release/crumb-VERSION.tar.gz                 the widget, as one versioned folder crumb-VERSION/
#                                                 (loader.js, glue, wasm parts, css, i18n, crumb.d.ts,
#                                                 the config's JSON Schema, integrity.json)
#   release/crumb-consent-VERSION.tgz            the same files as an npm package (under dist/), for
#                                                 `npm install` or any npm CDN (unpkg, jsDelivr)
#   release/crumb-server-VERSION-TARGET.tar.gz   crumb-server and crumb-prerender (release binaries),
#                                                 the widget as site/crumb/, deploy/ (systemd units,
#                                                 Caddy and nginx recipes) and the server docs
#   release/SHA256SUMS                           checksums of the three archives
# and prints the Subresource Integrity value of loader.js.
#
# Flags: --out DIR (default release/), --no-build (package the dist/crumb/ already built),
#        --widget-only (no server build: what scripts/test.sh uses for the npm package journey).
# Archives are reproducible: sorted names, owner 0, every mtime the last commit's time.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

out=release
build=1
server=1
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="${2:?--out needs a folder}"; shift ;;
    --out=*) out="${1#--out=}" ;;
    --no-build) build=0 ;;
    --widget-only) server=0 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "release.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done

version="$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"$/\1/p' Cargo.toml)"
[ -n "$version" ] || { echo "release.sh: no [workspace.package] version in Cargo.toml" >&2; exit 1; }
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}"

if [ "$build" = 1 ]; then
  scripts/setup.sh build
  trunk build --release
fi
for file in loader.js crumb.js crumb_bg.wasm crumb.css i18n/en.json; do
  [ -f "dist/crumb/$file" ] || { echo "release.sh: dist/crumb/$file is missing: build first (trunk build --release)" >&2; exit 1; }
done

mkdir -p "$out"
out="$(cd "$out" && pwd)"
stage="$out/stage"
rm -rf "$stage"
mkdir -p "$stage"

# The widget folder: what dist/crumb holds, without the .br/.gz siblings crumb-server may have
# written next to the files (a CDN compresses by itself).
widget="$stage/crumb-$version"
mkdir -p "$widget"
(cd dist/crumb && find . -type f ! -name '*.br' ! -name '*.gz' -print0 | sort -z | xargs -0 -I{} cp --parents {} "$widget/")
node scripts/release-manifest.mjs integrity "$widget" > "$stage/integrity.json"
mv "$stage/integrity.json" "$widget/integrity.json"

tarball() { # tarball ARCHIVE DIR NAME: DIR/NAME as ARCHIVE, reproducibly
  tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner --mode='u+rwX,go+rX,go-w' \
    -C "$2" -cf - "$3" | gzip -n -9 > "$1"
}

rm -f "$out"/crumb-*.tar.gz "$out"/crumb-consent-*.tgz "$out/SHA256SUMS"
tarball "$out/crumb-$version.tar.gz" "$stage" "crumb-$version"

# The npm package: the same files under dist/, a package.json and a README with the version's
# CDN paths and the loader's integrity value.
package="$stage/npm"
mkdir -p "$package"
cp -R "$widget" "$package/dist"
node scripts/release-manifest.mjs npm "$package" "$version"
(cd "$package" && find . -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} + && npm pack --ignore-scripts --silent --pack-destination "$out" >/dev/null)
[ -f "$out/crumb-consent-$version.tgz" ] || { echo "release.sh: npm pack wrote no crumb-consent-$version.tgz" >&2; exit 1; }

archives=("crumb-$version.tar.gz" "crumb-consent-$version.tgz")
if [ "$server" = 1 ]; then
  target_dir="${CARGO_TARGET_DIR:-target}"
  triple="$(rustc -vV | sed -n 's/^host: //p')"
  cargo build --release --locked -p crumb-server -p crumb-prerender
  name="crumb-server-$version-$triple"
  bundle="$stage/$name"
  mkdir -p "$bundle/bin" "$bundle/site" "$bundle/deploy" "$bundle/docs"
  install -m 0755 "$target_dir/release/crumb-server" "$target_dir/release/crumb-prerender" "$bundle/bin/"
  cp -R "$widget" "$bundle/site/crumb"
  cp deploy/* "$bundle/deploy/"
  cp docs/deploy.md docs/server.md docs/prepaint.md docs/security.md "$bundle/docs/"
  tarball "$out/$name.tar.gz" "$stage" "$name"
  archives+=("$name.tar.gz")
fi

(cd "$out" && sha256sum "${archives[@]}" > SHA256SUMS)
rm -rf "$stage"

echo "Crumb $version release packages in $out:"
(cd "$out" && for f in "${archives[@]}" SHA256SUMS; do printf '  %-48s %9s bytes\n' "$f" "$(stat -c %s "$f")"; done)
echo "loader.js integrity: $(node scripts/release-manifest.mjs sri "dist/crumb/loader.js")"
