#!/usr/bin/env bash
# Configures and builds lockgraph into BUILD (default: build/).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$here/build}"
shift || true
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLOCKGRAPH_WERROR=ON "$@" >/dev/null
cmake --build "$build" -j"$(nproc)"
