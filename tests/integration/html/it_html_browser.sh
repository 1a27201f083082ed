#!/usr/bin/env bash
# it.html_browser: runs two demos under lockgraph, writes their HTML report and has
# headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core from npm:
# setup.sh) load it and check it (check_report.js); the screenshot lands in OUT.
#
#   it_html_browser.sh LOCKGRAPH BANK_TRANSFER REAL_DEADLOCK TOOLS_DIR OUT_DIR
#
# Exit status: 0 passed, 1 failed, 77 skipped (Chromium, Node.js or playwright-core
# missing and not installable here) -- always with a line saying which.
set -uo pipefail
if [ $# -ne 5 ]; then
  echo "usage: $0 LOCKGRAPH BANK_TRANSFER REAL_DEADLOCK TOOLS_DIR OUT_DIR" >&2
  exit 2
fi
lockgraph=$1 bank=$2 deadlock=$3 tools=$4 out=$5
here="$(cd "$(dirname "$0")" && pwd)"
chromium="${LOCKGRAPH_CHROMIUM:-/usr/bin/chromium}"

skip() {
  echo "SKIPPED it.html_browser: $*" >&2
  exit 77
}
fail() {
  echo "FAIL it.html_browser: $*" >&2
  exit 1
}

[ -x "$chromium" ] || skip "no Chromium at $chromium (scripts/deps.sh installs Debian's chromium)"
command -v node >/dev/null 2>&1 || skip "no node (Node.js) to drive Chromium (scripts/deps.sh)"
"$here/setup.sh" "$tools" || skip "playwright-core could not be installed into $tools (see above)"

rm -rf "$out"
mkdir -p "$out/logs"
"$lockgraph" run --output "$out/logs/lg.%p.log" -- "$bank" >"$out/bank.out" 2>&1 ||
  fail "bank_transfer under lockgraph: status $? ($out/bank.out)"
# real_deadlock deadlocks; lockgraph ends it with status 86 by default
"$lockgraph" run --output "$out/logs/lg.%p.log" -- "$deadlock" >"$out/deadlock.out" 2>&1
rc=$?
[ $rc -eq 86 ] || fail "real_deadlock under lockgraph: status $rc, expected 86 ($out/deadlock.out)"

"$lockgraph" report --format html -o "$out/report.html" "$out"/logs/*.log
rc=$?
# 1: findings reported (the demos have them)
[ $rc -eq 1 ] || fail "lockgraph report --format html: status $rc, expected 1"
[ -s "$out/report.html" ] || fail "no report written"

node "$here/check_report.js" "$tools/node_modules/playwright-core" "$chromium" \
  "$out/report.html" "$out/report-html.png" || fail "the browser checks failed (above)"
echo "it.html_browser: passed; report $out/report.html, screenshot $out/report-html.png"
