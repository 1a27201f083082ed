#!/bin/sh
# The installed CMake package runs a project's tests under lockgraph: a small
# project (an ABBA program and its fixed twin, from the demos) does
# find_package(lockgraph) and lockgraph_test_targets(); its ctest must fail the
# buggy test with the chosen error exit code, pass the fixed one, and leave logs
# that `lockgraph report` reads.  The install is moved first (the package is
# relocatable).   usage: it_cmake_package.sh BUILD_DIR DEMOS_SRC_DIR
set -eu
build=$1
demos=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
mv "$tmp/prefix" "$tmp/moved"
mkdir "$tmp/proj"
cp "$demos/bank_transfer.c" "$demos/bank_transfer_fixed.c" "$demos/annotated_spinlock_fixed.c" \
  "$tmp/proj/"
cat >"$tmp/proj/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.20)
project(uses_lockgraph C)
enable_testing()
find_package(Threads REQUIRED)
find_package(lockgraph 0.1 REQUIRED)
foreach(p bank_transfer bank_transfer_fixed)
  add_executable(${p} ${p}.c)
  target_compile_options(${p} PRIVATE -g -O0)
  target_link_libraries(${p} PRIVATE Threads::Threads)
  add_test(NAME ${p} COMMAND ${p})
endforeach()
# <lockgraph/annotate.h> through the package's header-only target
add_executable(annotated_spinlock_fixed annotated_spinlock_fixed.c)
target_link_libraries(annotated_spinlock_fixed PRIVATE Threads::Threads lockgraph::annotate)
add_test(NAME annotated_spinlock_fixed COMMAND annotated_spinlock_fixed)
lockgraph_test_targets(TARGETS bank_transfer bank_transfer_fixed annotated_spinlock_fixed
                       ERROR_EXITCODE 66
                       OUTPUT_DIR ${CMAKE_BINARY_DIR}/lg)
CMAKE
cmake -S "$tmp/proj" -B "$tmp/proj/b" -Dlockgraph_DIR="$tmp/moved/lib/cmake/lockgraph" >"$tmp/cfg.log" 2>&1 ||
  { echo "FAIL: configure"; cat "$tmp/cfg.log"; exit 1; }
cmake --build "$tmp/proj/b" >"$tmp/build.log" 2>&1 || { echo "FAIL: build"; cat "$tmp/build.log"; exit 1; }
(cd "$tmp/proj/b" && ctest --output-on-failure >"$tmp/ctest.log" 2>&1) && {
  echo "FAIL: ctest passed although bank_transfer has a lock-order inversion"; cat "$tmp/ctest.log"; exit 1; }
grep -q "bank_transfer_fixed .*Passed" "$tmp/ctest.log" ||
  { echo "FAIL: the fixed twin did not pass"; cat "$tmp/ctest.log"; exit 1; }
grep -q "annotated_spinlock_fixed .*Passed" "$tmp/ctest.log" ||
  { echo "FAIL: the annotated fixed twin did not pass"; cat "$tmp/ctest.log"; exit 1; }
grep -Eq "bank_transfer \.+\*+Failed" "$tmp/ctest.log" ||
  { echo "FAIL: the buggy program did not fail"; cat "$tmp/ctest.log"; exit 1; }
# the test ran through the moved lockgraph with the chosen status
(cd "$tmp/proj/b" && ctest -R '^bank_transfer$' -V 2>&1) >"$tmp/v.log" || true
grep -q "$tmp/moved/bin/lockgraph.*run.*--error-exitcode.*66" "$tmp/v.log" ||
  { echo "FAIL: the test command is not lockgraph run"; cat "$tmp/v.log"; exit 1; }
set -- "$tmp"/proj/b/lg/lockgraph.*.log
[ -f "$1" ] || { echo "FAIL: no logs in OUTPUT_DIR"; exit 1; }
status=0
"$tmp/moved/bin/lockgraph" report --format sarif "$@" >"$tmp/r.sarif" || status=$?
[ "$status" -eq 1 ] || { echo "FAIL: report of the logs exited $status, expected 1"; exit 1; }
echo "cmake package: buggy test failed under lockgraph, fixed twin passed"
