#!/usr/bin/env bash
# Runs scimspec against the third-party scim2-server (installed pinned under
# target/), started on 127.0.0.1 for the duration of the run. Extra arguments
# go to `scimspec run` (e.g. --report-json report.json, -v, --only 'users.*').
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash scripts/install-interop.sh >&2
cargo build --release --quiet

port="${SCIM2_SERVER_PORT:-8089}"
token="demo-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
"$root/target/interop-venv/bin/scim2-server" --hostname 127.0.0.1 --port "$port" \
    --bearer-token "$token" >/dev/null 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true' EXIT

for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    sleep 0.1
done

status=0
SCIM_TOKEN="$token" "$root/target/release/scimspec" run \
    --target "http://127.0.0.1:$port/v2" "$@" || status=$?
exit "$status"
