#!/usr/bin/env bash
# Installs the third-party SCIM servers the interop tests run against, pinned,
# into a virtualenv under target/ (idempotent; safe to run repeatedly).
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
        "$venv/bin/python" -m pip show "$name" 2>/dev/null | grep -qx "Version: $version" || return 1
    done
}

if installed; then
    echo "interop tools already installed in $venv: ${packages[*]}"
    exit 0
fi

echo "installing ${packages[*]} into $venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${packages[@]}"
"$venv/bin/scim2-server" --help >/dev/null
"$venv/bin/scim2" --help >/dev/null
echo "installed ${packages[*]}"
