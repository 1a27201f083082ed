#!/usr/bin/env bash
# Installs what lockgraph needs to build, test and benchmark on Debian 12, with
# apt-get, only when something is missing.  Safe to run again.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  libunwind-dev                  # shim: stack capture (replaces LLVM's libunwind-14-dev; expected)
  libiberty-dev                  # shim: live reports demangle C++ names (static, no allocation)
  libglib2.0-dev libjson-glib-dev libdw-dev libelf-dev   # analyzer
  libgraphviz-dev                # analyzer: the HTML report's pictures (libgvc, libcgraph)
  chromium                       # the HTML report's browser test (tests/integration/html)
  clang libclang-rt-14-dev       # fuzz target (libFuzzer) and the TSan column of the benchmarks
  libomp-dev                     # tests: the OpenMP lock cases built by clang -fopenmp (LLVM's libomp)
  python3 python3-jsonschema     # test drivers; JSON reports checked against docs/json-report.schema.json
  groff-base                     # the man pages are rendered and checked (tests/integration/it_man_completion.py)
  libc6-dbg                      # it.user_sites: fingerprints compared with and without debug packages
  pigz xz-utils sqlite3 memcached valgrind   # real programs in tests and benchmarks
  time                           # bench/run.sh: peak memory of `lockgraph report`
)

# npm installs the browser test's driver (playwright-core); Debian's npm only when no
# npm is installed (a Node.js from elsewhere brings its own).
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Installing memcached may start a system instance on 11211; the benchmarks use
  # their own port and do not depend on it.
fi

# The browser test's driver, into the default build tree (the test installs it itself
# when it is missing; without network it skips with a message).
here="$(cd "$(dirname "$0")/.." && pwd)"
"$here/tests/integration/html/setup.sh" "$here/build/tools/html" ||
  echo "deps: playwright-core not installed; it.html_browser will try again or skip" >&2
"$here/tests/integration/sarif/setup.sh" "$here/build/tools/sarif" >/dev/null || echo "deps: sarif-multitool not installed; it.sarif_multitool will try again or skip" >&2
