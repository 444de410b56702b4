#!/usr/bin/env bash
# Installs the third-party SCIM servers the interop tests run against, pinned,
# into a virtualenv under target/ (idempotent; safe to run repeatedly).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${SCIMSPEC_INTEROP_VENV:-$root/target/interop-venv}"
python="${PYTHON:-python3}"
scim2_server_version="0.8.3"

if [ -x "$venv/bin/scim2-server" ] \
    && "$venv/bin/python" -m pip show scim2-server 2>/dev/null | grep -qx "Version: $scim2_server_version"; then
    echo "scim2-server $scim2_server_version already installed in $venv"
    exit 0
fi

echo "installing scim2-server==$scim2_server_version into $venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "scim2-server==$scim2_server_version"
"$venv/bin/scim2-server" --help >/dev/null
echo "scim2-server $scim2_server_version installed"
