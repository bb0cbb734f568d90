#!/usr/bin/env bash
# Refresh the browser libraries the web page and /docs load, from the exact versions pinned in
# web/package-lock.json, into incidex/web/static/vendor/<package>/. The copies are tracked in
# git so that a fresh clone (and the wheel) serves them with no npm and no network at run time.
# Usage: web/vendor.sh   (or: make assets). Needs node + npm and access to the npm registry.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
dest="$here/../incidex/web/static/vendor"
nm="$here/node_modules"

command -v npm >/dev/null || { echo "vendor.sh: npm not found; install Node.js (apt-get install npm) and rerun" >&2; exit 1; }
# --ignore-scripts: no package needs a build step, and swagger-ui-dist's analytics dependency
# (@scarf/scarf) would otherwise run an install hook.
(cd "$here" && npm ci --ignore-scripts --no-audit --no-fund)

# copy PACKAGE PATH... : each named file or folder (relative to the package) into
# vendor/PACKAGE/ under its own base name, plus the package's licence. The page links these
# flat paths (vendor/leaflet/leaflet.js); leaflet.css finds its icons in images/ beside it.
copy() {
    local pkg="$1"; shift
    rm -rf "${dest:?}/$pkg"
    mkdir -p "$dest/$pkg"
    for f in "$@" LICENSE; do
        cp -R "$nm/$pkg/$f" "$dest/$pkg/"
    done
}

copy leaflet dist/leaflet.js dist/leaflet.css dist/images
copy world-atlas countries-110m.json
copy topojson-client dist/topojson-client.min.js
# The bundle's own notices for the code it inlines travel with it.
copy swagger-ui-dist swagger-ui-bundle.js swagger-ui-bundle.js.LICENSE.txt swagger-ui.css NOTICE

# Source-map comments point at files we do not ship; drop them so browsers don't ask for them.
find "$dest" -name '*.js' -o -name '*.css' | while read -r f; do
    sed -i -e '/^\/[/*]# sourceMappingURL=/d' "$f"
done

# What is vendored, at which version (the direct dependencies only).
(cd "$here" && node -e '
const lock = require("./package-lock.json").packages;
for (const name of Object.keys(lock[""].dependencies).sort())
  console.log(name, lock["node_modules/" + name].version);
') > "$dest/VERSIONS.txt"
echo "vendored into $dest:"
cat "$dest/VERSIONS.txt"
