#!/usr/bin/env bash
# it.sarif_multitool: runs real programs under lockgraph (a C inversion, one with a
# heap lock, a C++ inversion, a real deadlock, a bad unlock, a long hold), writes
# their SARIF report and checks it as GitHub code scanning would take it: what
# check_sarif.py asserts (relative URIs under SRCROOT, no addresses or pids in any
# message -- the same text in two runs of one program --, one thread flow per cycle
# edge, rule help), then the SARIF multitool's `validate --rule-kind "Gh;Sarif"`
# (installed from npm by setup.sh) with no error.
#
#   it_sarif_multitool.sh LOCKGRAPH SRC_DIR TOOLS_DIR OUT_DIR BANK_TRANSFER REAL_DEADLOCK
#                         NESTED_CACHE TP_CXX_LOCKS HAZARD_BAD_UNLOCK HAZARD_LONG_HOLD
#
# Exit status: 0 passed, 1 failed, 77 skipped (the multitool missing and not
# installable here: no npm, no network, an unsupported platform) -- always with a
# line saying which.
set -uo pipefail
if [ $# -ne 10 ]; then
  echo "usage: $0 LOCKGRAPH SRC_DIR TOOLS_DIR OUT_DIR BANK_TRANSFER REAL_DEADLOCK NESTED_CACHE TP_CXX_LOCKS HAZARD_BAD_UNLOCK HAZARD_LONG_HOLD" >&2
  exit 2
fi
lockgraph=$1 src=$2 tools=$3 out=$4 bank=$5 deadlock=$6 nested=$7 cxx=$8 badunlock=$9 longhold=${10}
here="$(cd "$(dirname "$0")" && pwd)"
check="python3 $here/check_sarif.py"
src="$(cd "$src" && pwd)"

skip() {
  echo "SKIPPED it.sarif_multitool: $*" >&2
  exit 77
}
fail() {
  echo "FAIL it.sarif_multitool: $*" >&2
  exit 1
}

# Under lockgraph, expecting status $1; log name prefix $2; the rest is the command.
run() {
  local want=$1 name=$2 rc
  shift 2
  "$lockgraph" run --output "$out/logs/$name.%p.log" -- "$@" >"$out/$name.out" 2>&1
  rc=$?
  [ $rc -eq "$want" ] || fail "$name under lockgraph: status $rc, expected $want ($out/$name.out)"
}

# Validates the reports $@ against the SARIF schema, then with the multitool (one
# start of it for all: it takes seconds to start), and checks its verdict.
multitool() {
  local log="$out/multitool.sarif" f
  for f in "$@"; do
    $check schema "$f" "$(dirname "$tool")/sarif-2.1.0.json" || fail "$f is not valid SARIF (above)"
  done
  rm -f "$log"
  DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 "$tool" validate --rule-kind "Gh;Sarif" \
    -o "$log" "$@" >"$out/multitool.out" 2>&1 ||
    fail "sarif-multitool validate: status $? ($out/multitool.out)"
  [ -s "$log" ] || fail "sarif-multitool wrote no log ($out/multitool.out)"
  $check multitool "$log" || fail "sarif-multitool found problems in $* (above)"
}

tool=$("$here/setup.sh" "$tools") ||
  skip "the SARIF multitool (@microsoft/sarif-multitool) could not be installed into $tools (see above)"

rm -rf "$out"
mkdir -p "$out/logs" "$out/logs2"
run 0 bank "$bank"
run 86 deadlock "$deadlock" # lockgraph ends the deadlocked process with 86
run 0 nested "$nested"      # its cache entries' locks are heap locks
run 0 cxx "$cxx" abba
run 0 badunlock "$badunlock" unlocked mutex
LOCKGRAPH_HOLD_THRESHOLD_MS=500 run 0 longhold "$longhold"
# nested_cache once more: its heap addresses differ, its messages must not
"$lockgraph" run --output "$out/logs2/nested.%p.log" -- "$nested" >"$out/nested2.out" 2>&1 ||
  fail "nested_cache (second run) under lockgraph: status $?"

kinds="lock-order-inversion deadlock bad-unlock long-hold"
report() { # report OUT.sarif LOG... (findings: status 1)
  local o=$1 rc
  shift
  "$lockgraph" report --format sarif -o "$o" "$@"
  rc=$?
  [ $rc -eq 1 ] || fail "lockgraph report --format sarif -o $o: status $rc, expected 1"
}

report "$out/root.sarif" --source-root "$src" "$out"/logs/*.log
$check report "$out/root.sarif" "$src" $kinds || fail "$out/root.sarif (above)"
# every lock-order inversion: the two C ones and the C++ one
n=$(python3 -c 'import json,sys; print(sum(r["ruleId"] == "lock-order-inversion" for r in json.load(open(sys.argv[1]))["runs"][0]["results"]))' "$out/root.sarif")
[ "$n" -eq 3 ] || fail "$out/root.sarif: $n lock-order-inversion results, expected 3 (bank_transfer, nested_cache, cxx_locks abba)"

# The default root: the git toplevel of the sources when they are in a git tree.
report "$out/default.sarif" "$out"/logs/*.log
if [ -e "$src/.git" ]; then
  $check report "$out/default.sarif" "$src" $kinds || fail "$out/default.sarif (above)"
else
  python3 - "$out/default.sarif" <<'PY' || fail "$out/default.sarif: a source root without a .git"
import json, sys
run = json.load(open(sys.argv[1]))["runs"][0]
assert "originalUriBaseIds" not in run, run["originalUriBaseIds"]
PY
  echo "it.sarif_multitool: $src is not a git tree: default report has absolute URIs"
fi

report "$out/nested1.sarif" --source-root "$src" "$out"/logs/nested.*.log
report "$out/nested2.sarif" --source-root "$src" "$out"/logs2/nested.*.log
$check same "$out/nested1.sarif" "$out/nested2.sarif" lock-order-inversion ||
  fail "messages of two runs differ (above)"

multitool "$out/root.sarif" "$out/default.sarif"
echo "it.sarif_multitool: passed; reports $out/root.sarif, $out/default.sarif"
