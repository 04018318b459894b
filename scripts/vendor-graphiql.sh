#!/usr/bin/env bash
# Vendor the GraphiQL UI (and the React UMD builds it needs) into
# assets/graphiql/ so the idm binary can serve GraphiQL fully offline.
#
# Downloads the pinned packages from the npm registry with `npm pack`,
# extracts the browser bundles and LICENSE files, and writes VERSIONS.
# Rerunnable and idempotent: run from anywhere, e.g. `scripts/vendor-graphiql.sh`.
set -euo pipefail

GRAPHIQL_VERSION="3.8.3"
REACT_VERSION="18.3.1"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${repo_root}/assets/graphiql"

command -v npm >/dev/null 2>&1 || { echo "error: npm is required" >&2; exit 1; }
command -v tar >/dev/null 2>&1 || { echo "error: tar is required" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT

# fetch PKG VERSION -> prints directory holding the extracted package
fetch() {
    local pkg="$1" version="$2"
    local dir="${work}/${pkg}"
    mkdir -p "${dir}"
    local tarball
    tarball="$(cd "${dir}" && npm pack --silent "${pkg}@${version}" | tail -n 1)"
    tar -xzf "${dir}/${tarball}" -C "${dir}"
    echo "${dir}/package"
}

# copy SRC DEST_NAME (fails loudly if the file is missing from the package)
put() {
    local src="$1" name="$2"
    if [[ ! -f "${src}" ]]; then
        echo "error: expected file not found in package: ${src#"${work}/"}" >&2
        exit 1
    fi
    install -m 0644 "${src}" "${dest}/${name}"
}

mkdir -p "${dest}"

graphiql_dir="$(fetch graphiql "${GRAPHIQL_VERSION}")"
react_dir="$(fetch react "${REACT_VERSION}")"
react_dom_dir="$(fetch react-dom "${REACT_VERSION}")"

put "${graphiql_dir}/graphiql.min.js" graphiql.min.js
put "${graphiql_dir}/graphiql.min.css" graphiql.min.css
put "${graphiql_dir}/LICENSE" LICENSE.graphiql

put "${react_dir}/umd/react.production.min.js" react.production.min.js
put "${react_dir}/LICENSE" LICENSE.react

put "${react_dom_dir}/umd/react-dom.production.min.js" react-dom.production.min.js
put "${react_dom_dir}/LICENSE" LICENSE.react-dom

cat > "${dest}/VERSIONS" <<VERSIONS
graphiql@${GRAPHIQL_VERSION}
react@${REACT_VERSION}
react-dom@${REACT_VERSION}
VERSIONS

echo "vendored GraphiQL assets into ${dest#"${repo_root}/"}:"
(cd "${dest}" && ls -l graphiql.min.js graphiql.min.css react.production.min.js \
    react-dom.production.min.js LICENSE.graphiql LICENSE.react LICENSE.react-dom VERSIONS)
