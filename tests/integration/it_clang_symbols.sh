#!/bin/sh
# A program built by clang (which emits no .debug_aranges) still gets function and
# file:line in the report.  usage: it_clang_symbols.sh LOCKGRAPH DEMO_SOURCE
set -eu
lockgraph=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
command -v clang >/dev/null || { echo "FAIL: clang not installed (scripts/deps.sh installs it)"; exit 1; }
clang -g -O0 -pthread "$src" -o "$tmp/prog"
"$lockgraph" run --quiet --output "$tmp/lg.%p.log" -- "$tmp/prog" >/dev/null
status=0
"$lockgraph" report "$tmp"/lg.*.log >"$tmp/report.txt" || status=$?
[ "$status" -eq 1 ] || { echo "FAIL: report exit status $status"; cat "$tmp/report.txt"; exit 1; }
base=$(basename "$src")
grep -q "transfer ([^)]*$base:[0-9]*)" "$tmp/report.txt" ||
  { echo "FAIL: no 'transfer ($base:LINE)' frame in the report"; sed -n 1,30p "$tmp/report.txt"; exit 1; }
echo "clang-built program: frames have file:line"
