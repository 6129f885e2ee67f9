#!/usr/bin/env bash
# Vendor the front-end assets from npm into src/gridgov/core/static/vendor/<package>/.
#
# The platform never needs npm or the internet at run time: this script is run by a developer
# when package.json changes, and the copied files are committed. It installs the exact versions
# of package.json / package-lock.json into a temporary folder (npm ci, no install scripts), copies
# only the distribution files the templates use plus each package's licence, and writes
# src/gridgov/core/static/vendor/README.md.
#
# Usage: scripts/vendor-assets.sh            (uses package-lock.json; creates it if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
dest="$root/src/gridgov/core/static/vendor"

command -v npm >/dev/null || { echo "vendor-assets: npm not found" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp package.json "$work/"
if [[ -f package-lock.json ]]; then
  cp package-lock.json "$work/"
else
  (cd "$work" && npm install --package-lock-only --ignore-scripts --no-audit --no-fund >/dev/null)
  cp "$work/package-lock.json" package-lock.json
  echo "vendor-assets: wrote package-lock.json"
fi
(cd "$work" && npm ci --ignore-scripts --no-audit --no-fund >/dev/null)
nm="$work/node_modules"

# package → files (relative to the package folder); the licence is added for every package.
declare -A FILES=(
  [bootstrap]="dist/css/bootstrap.min.css dist/css/bootstrap.min.css.map dist/js/bootstrap.bundle.min.js dist/js/bootstrap.bundle.min.js.map"
  [htmx.org]="dist/htmx.min.js"
  [leaflet]="dist/leaflet.js dist/leaflet.js.map dist/leaflet.css dist/images/layers.png dist/images/layers-2x.png dist/images/marker-icon.png dist/images/marker-icon-2x.png dist/images/marker-shadow.png"
  [echarts]="dist/echarts.min.js"
  [leaflet.markercluster]="dist/leaflet.markercluster.js dist/leaflet.markercluster.js.map dist/MarkerCluster.css dist/MarkerCluster.Default.css"
)
# Where each package's files go under vendor/ (leaflet.css finds its images in ./images/).
declare -A TARGET=([bootstrap]=bootstrap [htmx.org]=htmx [leaflet]=leaflet [echarts]=echarts
  [leaflet.markercluster]=leaflet.markercluster)
# Packages whose code is bundled into another package's file: their licence goes along as
# LICENSE-<package> (echarts.min.js contains ZRender and tslib).
declare -A BUNDLED=([echarts]="zrender tslib")

rm -rf "$dest"
mkdir -p "$dest"
readme="$dest/README.md"
{
  echo "# Vendored front-end assets"
  echo
  echo "Copied from npm by \`scripts/vendor-assets.sh\` (exact versions pinned in \`package.json\` and"
  echo "\`package-lock.json\`). Do not edit these files by hand; change the versions and re-run the script."
  echo "Nothing is loaded from a CDN: the platform must work on offline government networks."
  echo
  echo "| package | version | licence | folder | files |"
  echo "|---|---|---|---|---|"
} >"$readme"

for pkg in bootstrap htmx.org leaflet leaflet.markercluster echarts; do
  src="$nm/$pkg"
  out="$dest/${TARGET[$pkg]}"
  mkdir -p "$out"
  version=$(node -p "require('$src/package.json').version")
  licence=$(node -p "require('$src/package.json').license")
  copied=()
  for f in ${FILES[$pkg]}; do
    rel=${f#dist/}
    rel=${rel#css/}
    rel=${rel#js/}
    mkdir -p "$out/$(dirname "$rel")"
    cp "$src/$f" "$out/$rel"
    copied+=("$rel")
  done
  lic=$(cd "$src" && ls LICENSE* LICENCE* license* MIT-LICENCE* 2>/dev/null | head -1 || true)
  [[ -n "$lic" ]] || { echo "vendor-assets: no licence file in $pkg" >&2; exit 1; }
  cp "$src/$lic" "$out/LICENSE"
  copied+=("LICENSE")
  # Apache-2.0 packages (ECharts) ship a NOTICE that must travel with the files.
  if [[ -f "$src/NOTICE" ]]; then
    cp "$src/NOTICE" "$out/NOTICE"
    copied+=("NOTICE")
  fi
  for inner in ${BUNDLED[$pkg]:-}; do
    ilic=$(cd "$nm/$inner" && ls LICENSE* LICENCE* license* 2>/dev/null | head -1 || true)
    [[ -n "$ilic" ]] || { echo "vendor-assets: no licence file in $inner" >&2; exit 1; }
    cp "$nm/$inner/$ilic" "$out/LICENSE-$inner"
    copied+=("LICENSE-$inner")
  done
  list=$(printf '`%s` ' "${copied[@]}")
  echo "| $pkg | $version | $licence | \`vendor/${TARGET[$pkg]}/\` | ${list% } |" >>"$readme"
  echo "vendor-assets: $pkg $version → ${out#"$root"/}"
done
{
  echo
  echo "\`bootstrap.bundle.min.js\` includes Popper (MIT), as Bootstrap ships it. \`echarts.min.js\` is the"
  echo "full ECharts build (Apache-2.0; its NOTICE is kept next to it) used by the statistics pages; it"
  echo "bundles ZRender (BSD-3-Clause) and tslib (0BSD), whose licences are \`LICENSE-zrender\` and \`LICENSE-tslib\`."
  echo "\`leaflet.markercluster\` (MIT) clusters the case markers of the case maps; it is a Leaflet plugin"
  echo "and is loaded after \`leaflet.js\`."
} >>"$readme"
