#!/bin/sh
# Builds the Debian package with CPack from a configured and built tree, checks its
# metadata (name, version, dependencies found by dpkg-shlibdeps), unpacks it into a
# scratch root and runs the packaged demo with the packaged launcher: the shim must
# be found, a log written, and the demo's inversion reported.
#   usage: it_package.sh BUILD_DIR
# Needs dpkg-deb (Debian's dpkg, always present there) and cpack (with cmake).
set -eu
build=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$build" && cpack -G DEB -B "$tmp/out" >"$tmp/cpack.log" 2>&1) ||
  { echo "FAIL: cpack -G DEB failed"; cat "$tmp/cpack.log"; exit 1; }
set -- "$tmp"/out/lockgraph_*.deb
[ -f "$1" ] || { echo "FAIL: no .deb produced"; ls -R "$tmp/out"; exit 1; }
deb=$1
dpkg-deb -I "$deb" >"$tmp/info"
grep -q '^ Package: lockgraph$' "$tmp/info" || { echo "FAIL: package name"; cat "$tmp/info"; exit 1; }
# (json-glib: the reports are streamed by analyzer/report/present/json_stream.c;
# only the tests still use it)
for dep in libunwind8 libglib2.0-0 libdw1; do
  grep '^ Depends:' "$tmp/info" | grep -q "$dep" ||
    { echo "FAIL: Depends lacks $dep"; cat "$tmp/info"; exit 1; }
done
dpkg-deb -x "$deb" "$tmp/root"
for f in usr/bin/lockgraph usr/lib/liblockgraph.so usr/include/lockgraph/log_format.h \
         usr/lib/pkgconfig/lockgraph.pc usr/lib/lockgraph/demos/bank_transfer \
         usr/share/doc/lockgraph/LICENSE usr/share/man/man1/lockgraph-run.1 \
         usr/share/bash-completion/completions/lockgraph; do
  [ -e "$tmp/root/$f" ] || { echo "FAIL: $f not in the package"; dpkg-deb -c "$deb"; exit 1; }
done
# The relocatable pkg-config file names the unpacked shim.
shim=$(PKG_CONFIG_PATH="$tmp/root/usr/lib/pkgconfig" pkg-config --variable=shim lockgraph)
[ -f "$shim" ] || { echo "FAIL: pkg-config's shim ($shim) does not exist"; exit 1; }
mkdir "$tmp/logs"
env -u LOCKGRAPH_SHIM "$tmp/root/usr/bin/lockgraph" run --quiet --output "$tmp/logs/lg.%p.log" \
  -- "$tmp/root/usr/lib/lockgraph/demos/bank_transfer" >/dev/null
set -- "$tmp"/logs/lg.*.log
[ -f "$1" ] || { echo "FAIL: the packaged launcher wrote no log"; exit 1; }
status=0
"$tmp/root/usr/bin/lockgraph" report "$@" >"$tmp/report.txt" || status=$?
[ "$status" -eq 1 ] || { echo "FAIL: report exit status $status, expected 1"; cat "$tmp/report.txt"; exit 1; }
grep -q "lock-order-inversion" "$tmp/report.txt" || { echo "FAIL: no inversion reported"; exit 1; }
echo "package: $(basename "$deb") unpacks and runs the demo"
