#!/bin/sh
# Installs the build into a prefix, moves the installed tree elsewhere, and runs a
# demo with the moved launcher: it must find its shim relative to itself, record a
# log, and report the demo's inversion.  usage: it_install.sh BUILD_DIR DEMO
set -eu
build=$1
demo=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
mv "$tmp/prefix" "$tmp/moved"
for f in bin/lockgraph lib/liblockgraph.so lib/pkgconfig/lockgraph.pc include/lockgraph/log_format.h; do
  [ -e "$tmp/moved/$f" ] || { echo "FAIL: $f not installed"; exit 1; }
done
PKG_CONFIG_PATH="$tmp/moved/lib/pkgconfig" pkg-config --exists lockgraph ||
  { echo "FAIL: pkg-config does not accept lockgraph.pc"; exit 1; }
# The pkg-config file is relocatable: after the move it names the moved tree.
shim=$(PKG_CONFIG_PATH="$tmp/moved/lib/pkgconfig" pkg-config --variable=shim lockgraph)
[ "$(realpath "$shim")" = "$(realpath "$tmp/moved/lib/liblockgraph.so")" ] ||
  { echo "FAIL: pkg-config names the shim at $shim, not in the moved tree"; exit 1; }
cflags=$(PKG_CONFIG_PATH="$tmp/moved/lib/pkgconfig" pkg-config --cflags lockgraph)
inc=$(echo "${cflags#-I}" | sed "s/ *$//")
[ -f "$inc/lockgraph/log_format.h" ] ||
  { echo "FAIL: pkg-config --cflags ($cflags) does not reach the moved headers"; exit 1; }
# <lockgraph/annotate.h> is found through the same --cflags, and a program using it
# needs nothing at link time: built here from the installed header, its annotated
# spinlocks are checked under the moved launcher (below) and it runs without it.
src=$(dirname "$0")/../../demos/annotated_spinlock.c
cc $cflags -pthread -g -o "$tmp/annotated_spinlock" "$src" ||
  { echo "FAIL: the annotated demo does not build with pkg-config --cflags ($cflags)"; exit 1; }
"$tmp/annotated_spinlock" >/dev/null ||
  { echo "FAIL: the annotated demo does not run without the shim"; exit 1; }
# --version names the commit the command was built from.
"$tmp/moved/bin/lockgraph" --version | grep -Eq '^lockgraph [0-9.]+ \(commit [0-9A-Za-z._-]+\)$' ||
  { echo "FAIL: --version: $("$tmp/moved/bin/lockgraph" --version)"; exit 1; }
mkdir "$tmp/logs"
env -u LOCKGRAPH_SHIM "$tmp/moved/bin/lockgraph" run --quiet --output "$tmp/logs/lg.%p.log" -- "$demo" >/dev/null
set -- "$tmp"/logs/lg.*.log
[ -f "$1" ] || { echo "FAIL: the moved launcher wrote no log (shim not found?)"; exit 1; }
status=0
"$tmp/moved/bin/lockgraph" report "$@" >"$tmp/report.txt" || status=$?
[ "$status" -eq 1 ] || { echo "FAIL: report exit status $status, expected 1"; cat "$tmp/report.txt"; exit 1; }
grep -q "lock-order-inversion" "$tmp/report.txt" || { echo "FAIL: no inversion reported"; exit 1; }
mkdir "$tmp/alogs"
env -u LOCKGRAPH_SHIM "$tmp/moved/bin/lockgraph" run --quiet --output "$tmp/alogs/lg.%p.log" \
  -- "$tmp/annotated_spinlock" >/dev/null
status=0
"$tmp/moved/bin/lockgraph" report "$tmp"/alogs/lg.*.log >"$tmp/areport.txt" || status=$?
[ "$status" -eq 1 ] && grep -q "annotated store" "$tmp/areport.txt" ||
  { echo "FAIL: the annotated demo's inversion was not reported ($status)"; cat "$tmp/areport.txt"; exit 1; }
echo "install: moved tree works"
