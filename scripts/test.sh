#!/usr/bin/env bash
# Quick start, command 2 (and what CI runs): install what is missing, build with
# warnings as errors, run the whole test suite with ctest, then the analyzer and its
# tests again under ASan+UBSan, a bounded fuzzing run of the log reader, and the
# benchmarks in --quick mode (they prove the benchmarks work; no timing is judged).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
jobs="$(nproc)"
"$here/scripts/deps.sh"

echo "== build (RelWithDebInfo, -Werror)"
"$here/scripts/build.sh" "$here/build"
echo "== ctest"
(cd "$here/build" && ctest -j"$jobs" --output-on-failure --timeout 600)

echo "== ASan+UBSan build of the analyzer and its tests"
"$here/scripts/build.sh" "$here/build-asan" -DLOCKGRAPH_SANITIZE=ON
(cd "$here/build-asan" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
   UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
   ctest -j"$jobs" --output-on-failure --timeout 600 -L unit)

if [ -x "$here/tests/fuzz/run_fuzz.sh" ]; then
  echo "== fuzz the log reader (bounded)"
  "$here/tests/fuzz/run_fuzz.sh" "${LOCKGRAPH_FUZZ_SECONDS:-60}"
fi
