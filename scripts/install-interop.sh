#!/usr/bin/env bash
# Installs the third-party SCIM servers the interop tests run against, pinned,
# into a virtualenv under target/ and, for SCIMMY, into interop/scimmy/node_modules
# (npm ci from the committed lockfile); idempotent, safe to run repeatedly.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${SCIMSPEC_INTEROP_VENV:-$root/target/interop-venv}"
python="${PYTHON:-python3}"
# The third-party server the shipped suites must pass, and the independent
# tester (scim2-tester, run through scim2-cli) the reference server must pass.
packages=("scim2-server==0.8.3" "scim2-cli==0.6.0" "scim2-tester==0.5.2")

installed() {
    [ -x "$venv/bin/python" ] || return 1
    local spec name version
    for spec in "${packages[@]}"; do
        name="${spec%%==*}"
        version="${spec##*==}"
        # grep without -q: an early exit would break the pipe (pipefail).
        "$venv/bin/python" -m pip show "$name" 2>/dev/null | grep -x "Version: $version" >/dev/null || return 1
    done
}

if installed; then
    echo "interop tools already installed in $venv: ${packages[*]}"
else
    echo "installing ${packages[*]} into $venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${packages[@]}"
    "$venv/bin/scim2-server" --help >/dev/null
    "$venv/bin/scim2" --help >/dev/null
    echo "installed ${packages[*]}"
fi

# Node projects pinned by their committed lockfiles (npm ci): SCIMMY
# (scimmy, scimmy-routers, express) for the interop test, and the independent
# report parsers of tests/tools (tap-parser). Skipped when node_modules matches
# the lockfile. Needs Node 20 + npm: required in CI, skipped with a warning
# elsewhere.
if ! command -v npm >/dev/null 2>&1; then
    if [ "${CI:-}" = "true" ]; then
        echo "npm not found: Node 20 + npm are needed for the SCIMMY interop test and the TAP test" >&2
        exit 1
    fi
    echo "WARNING: npm not found; SCIMMY and tests/tools not installed (their tests will be skipped)" >&2
    exit 0
fi
for project in "$root/interop/scimmy" "$root/tests/tools"; do
    stamp="$project/node_modules/.scimspec-lock.sha256"
    lock_sum="$(sha256sum "$project/package-lock.json" | cut -d' ' -f1)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_sum" ]; then
        echo "already installed: $project/node_modules"
    else
        echo "installing $project/node_modules (npm ci)"
        (cd "$project" && npm ci --no-audit --no-fund)
        echo "$lock_sum" >"$stamp"
    fi
done
