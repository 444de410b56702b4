#!/usr/bin/env bash
# Prints the current findings of scimspec against SCIMMY (interop/scimmy) in
# the format of interop/scimmy/expected-findings.json, keeping the recorded
# reasons; new findings carry a "TODO" reason to be written by hand after
# checking them against the RFC. Findings that went away are listed on stderr.
#
#   scripts/scimmy-findings.sh > /tmp/findings.json   # then review, and copy over
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/install-interop.sh" >&2
cargo build --quiet --manifest-path "$root/Cargo.toml" --bin scimspec >&2
exec node "$root/interop/scimmy/findings.js" "$root/target/debug/scimspec"
