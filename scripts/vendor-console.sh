#!/usr/bin/env bash
# Vendor the console's libraries (Preact 10 with its hooks, and htm) into assets/admin/vendor/
# as plain ES modules the browser loads from idm itself: no build step, no CDN.
#
# Browsers resolve bare specifiers only through an inline import map, which the console's
# strict CSP forbids, so `from "preact"` in the hooks module is rewritten to a relative path.
# Writes vendor/VERSIONS: package@version, file and sha256 per file (a test checks the hashes),
# and each package's licence. Rerunnable: `scripts/vendor-console.sh`.
set -euo pipefail

PREACT_VERSION="10.29.8"
HTM_VERSION="3.1.1"
# axe-core is for the browser tests only (tests/browser/vendor/), never served.
AXE_VERSION="4.11.4"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${repo_root}/assets/admin/vendor"
test_dest="${repo_root}/tests/browser/vendor"

command -v npm >/dev/null 2>&1 || { echo "error: npm is required" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT

# fetch PKG VERSION -> prints the directory holding the extracted package
fetch() {
    local pkg="$1" version="$2"
    local dir="${work}/${pkg}"
    mkdir -p "${dir}"
    local tarball
    tarball="$(cd "${dir}" && npm pack --silent "${pkg}@${version}" | tail -n 1)"
    tar -xzf "${dir}/${tarball}" -C "${dir}"
    echo "${dir}/package"
}

put() {
    local src="$1" name="$2"
    [[ -f "${src}" ]] || { echo "error: not in the package: ${src#"${work}/"}" >&2; exit 1; }
    install -m 0644 "${src}" "${dest}/${name}"
}

mkdir -p "${dest}"
preact="$(fetch preact "${PREACT_VERSION}")"
htm="$(fetch htm "${HTM_VERSION}")"

put "${preact}/dist/preact.module.js" preact.module.js
put "${preact}/hooks/dist/hooks.module.js" hooks.module.js
put "${preact}/LICENSE" LICENSE.preact
put "${htm}/dist/htm.module.js" htm.module.js
put "${htm}/LICENSE" LICENSE.htm

# The one bare specifier: hooks imports "preact".
sed -i 's|from"preact"|from"./preact.module.js"|g; s|from "preact"|from "./preact.module.js"|g' \
    "${dest}/hooks.module.js"
if grep -q '"preact"' "${dest}/hooks.module.js"; then
    echo "error: a bare \"preact\" specifier is left in hooks.module.js" >&2
    exit 1
fi
sed -i '/sourceMappingURL/d' "${dest}/preact.module.js" "${dest}/hooks.module.js" "${dest}/htm.module.js"

{
    for f in preact.module.js hooks.module.js htm.module.js; do
        case "$f" in
            htm*) pkg="htm@${HTM_VERSION} MIT" ;;
            *) pkg="preact@${PREACT_VERSION} MIT" ;;
        esac
        echo "${f} $(sha256sum "${dest}/${f}" | cut -d' ' -f1) ${pkg}"
    done
} > "${dest}/VERSIONS"

mkdir -p "${test_dest}"
axe="$(fetch axe-core "${AXE_VERSION}")"
install -m 0644 "${axe}/axe.min.js" "${test_dest}/axe.min.js"
install -m 0644 "${axe}/LICENSE" "${test_dest}/LICENSE.axe-core"
echo "axe.min.js $(sha256sum "${test_dest}/axe.min.js" | cut -d' ' -f1) axe-core@${AXE_VERSION} MPL-2.0" \
    > "${test_dest}/VERSIONS"

echo "vendored into ${dest#"${repo_root}/"}:"
cat "${dest}/VERSIONS"
