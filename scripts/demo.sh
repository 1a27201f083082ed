#!/usr/bin/env bash
# Quick start, command 1: install what is missing, build, and run the bank-transfer
# demo under lockgraph, then print the offline report of its log.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
"$here/scripts/deps.sh"
"$here/scripts/build.sh" "$here/build"

out="$(mktemp -d)"
echo "== lockgraph run -- bank_transfer (live report on stderr)"
"$here/build/bin/lockgraph" run --output "$out/lockgraph.%p.log" -- "$here/build/bin/bank_transfer"
echo
echo "== lockgraph report $out/*.log"
# Exit status 1 means "findings": expected here, the demo has a lock-order inversion.
"$here/build/bin/lockgraph" report "$out"/*.log || [ $? -eq 1 ]
