#!/bin/sh
# Reports point at the user's code, and fingerprints come from the program's own
# frames only (issue 10).  For a C++ std::lock_guard inversion in two files and for
# the C bank demo, each built at -O0 and -O2:
#  - SARIF locations and the lock labels name the two lock lines of the user's file
#    (not a libstdc++ header, not the caller of the locking function);
#  - the fingerprint is the same with /usr/lib/debug hidden (unshare -m + an empty
#    bind mount: libc6-dbg invisible) and shown, and after a rebuild that only moves
#    lines;
#  - runtime frames below the thread's entry are folded in the text report, shown
#    with --verbose, and kept in JSON.
# usage: it_user_sites.sh LOCKGRAPH SOURCE_DIR
set -eu
lg=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

[ -d /usr/lib/debug/.build-id ] || fail "no /usr/lib/debug/.build-id: install libc6-dbg (scripts/deps.sh) so the debug-package check means something"

fingerprint() { # LOGS...: the first finding's fingerprint
  "$lg" report --format json "$@" | python3 -c 'import json,sys; print(json.load(sys.stdin)["findings"][0]["fingerprint"])'
}

# run NAME COMPILER FLAGS SOURCES...: builds and records $tmp/NAME/lg.*.log
run() {
  name=$1; cc=$2; flags=$3; shift 3
  mkdir -p "$tmp/$name"
  # shellcheck disable=SC2086
  $cc -g $flags -pthread "$@" -o "$tmp/$name/prog"
  "$lg" run --quiet --output "$tmp/$name/lg.%p.log" -- "$tmp/$name/prog" >/dev/null
}

# check NAME FILE LINE1 LINE2 [static]: "static": the locks are named globals (their
# labels are symbols, no lines)
check() {
  name=$1; file=$2; l1=$3; l2=$4; kind=${5:-site}
  d=$tmp/$name
  "$lg" report "$d"/lg.*.log >"$d/report.txt" || true
  grep -q "^#1 lock-order-inversion" "$d/report.txt" || { cat "$d/report.txt"; fail "$name: no inversion"; }
  for l in "$l1" "$l2"; do
    [ "$kind" = static ] && break
    grep "^  L[01]: " "$d/report.txt" | grep -q "($file:$l)" ||
      { grep "^  L" "$d/report.txt"; fail "$name: no lock label at $file:$l"; }
  done
  "$lg" report --format sarif "$d"/lg.*.log >"$d/report.sarif" || true
  python3 - "$d/report.sarif" "$file" "$l1" "$l2" "$name" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
file, lines, name = sys.argv[2], {int(sys.argv[3]), int(sys.argv[4])}, sys.argv[5]
res = doc["runs"][0]["results"]
assert res, name + ": no SARIF result"
loc = res[0]["locations"][0]["physicalLocation"]
uri, line = loc["artifactLocation"]["uri"], loc["region"]["startLine"]
assert uri.endswith("/" + file) and line in lines, "%s: SARIF location %s:%d, want %s:%s" % (name, uri, line, file, sorted(lines))
related = [r["physicalLocation"] for r in res[0].get("relatedLocations", []) if "physicalLocation" in r]
for r in related:
    u, l = r["artifactLocation"]["uri"], r["region"]["startLine"]
    assert u.endswith("/" + file) and l in lines, "%s: related location %s:%d" % (name, u, l)
PY
  # runtime frames: folded by default, shown with --verbose, kept in JSON
  ! grep -q " start_thread " "$d/report.txt" || fail "$name: start_thread in the default text report"
  grep -q "runtime frames\? below the thread's entry folded" "$d/report.txt" || fail "$name: no folding note"
  "$lg" report --verbose "$d"/lg.*.log | grep -q " start_thread " || fail "$name: --verbose does not show start_thread"
  "$lg" report --format json "$d"/lg.*.log | grep -q '"start_thread' || fail "$name: JSON lost start_thread"
  # the fingerprint does not depend on the debug packages installed
  shown=$(fingerprint "$d"/lg.*.log)
  empty=$tmp/empty-debug
  mkdir -p "$empty"
  hidden=$(unshare -m sh -c 'mount --bind "$1" /usr/lib/debug && shift && exec "$@"' sh "$empty" \
             "$lg" report --format json "$d"/lg.*.log |
           python3 -c 'import json,sys; print(json.load(sys.stdin)["findings"][0]["fingerprint"])')
  [ "$shown" = "$hidden" ] || fail "$name: fingerprint $shown with /usr/lib/debug, $hidden without"
  echo "$name: labels and SARIF at $file:$l1/$l2, fingerprint $shown with and without debug packages"
}

cxx=$src/tests/programs/bank_cxx
for o in O0 O2; do
  run "cxx-$o" g++ "-$o" "$cxx/main.cpp" "$cxx/account.cpp"
  check "cxx-$o" account.cpp 6 7
  run "c-$o" gcc "-$o" "$src/demos/bank_transfer.c"
  check "c-$o" bank_transfer.c 33 34 static
done

# A rebuild that only moves lines keeps the fingerprint.
mkdir -p "$tmp/moved"
cp "$cxx/main.cpp" "$cxx/account.h" "$tmp/moved/"
{ printf '// moved\n\n\n'; cat "$cxx/account.cpp"; } >"$tmp/moved/account.cpp"
for o in O0 O2; do
  run "moved-$o" g++ "-$o" "$tmp/moved/main.cpp" "$tmp/moved/account.cpp"
  check "moved-$o" account.cpp 9 10
  a=$(fingerprint "$tmp/cxx-$o"/lg.*.log)
  b=$(fingerprint "$tmp/moved-$o"/lg.*.log)
  [ "$a" = "$b" ] || fail "-$o: fingerprint $a, $b after moving lines"
done
echo "fingerprints unchanged by a rebuild that moves lines"
