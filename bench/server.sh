#!/usr/bin/env bash
# bench/server.sh: what thread churn costs a server under lockgraph
# (docs/performance.md, "Servers").  Runs bench/churn natively and under the shim
# of BUILD (and, with --compare SHIM, under another shim, e.g. an older build's)
# and prints peak RSS (VmHWM) and log size per variant ("nested": each thread takes
# two mutexes in order, so each is named by the order graph; a tenth as many).  Numbers only; no pass/fail.
#
#   bench/server.sh [--build-dir BUILD] [--threads N] [--compare SHIM]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$here/../build threads=100000 compare=
while [ $# -gt 0 ]; do
    case "$1" in
    --build-dir) build=$2; shift ;;
    --threads) threads=$2; shift ;;
    --compare) compare=$2; shift ;;
    *) echo "usage: bench/server.sh [--build-dir BUILD] [--threads N] [--compare SHIM]" >&2; exit 2 ;;
    esac
    shift
done
churn=$build/bin/churn
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
row() { # name shim mode threads
    local d=$tmp/$1.$3 out threads=$4
    mkdir -p "$d"
    if [ -n "$2" ]; then
        out=$(LOCKGRAPH_OUTPUT=$d/lg.%p.log LD_PRELOAD=$2 "$churn" "$threads" $3)
    else
        out=$("$churn" "$threads" $3)
    fi
    local rss=${out#*peak_rss_kb=}
    rss=${rss%% *}
    local bytes
    bytes=$(cat "$d"/*.log 2>/dev/null | wc -c)
    printf '| %s | %s | %d | %.1f | %d | %.0f |\n' "$1" "${3:-one mutex}" "$threads" \
        "$(echo "$rss / 1024" | bc -l)" "$bytes" "$(echo "$bytes / $threads" | bc -l)"
}
echo "| variant | threads take | threads | peak RSS MB | log bytes | log bytes/thread |"
echo "|---|---|---|---|---|---|"
# nested threads each validate a new chain (a stack capture each): a tenth as many
for mode in "" nested; do
    n=$threads
    [ -z "$mode" ] || n=$((threads / 10))
    row native "" "$mode" "$n"
    row lockgraph "$build/lib/liblockgraph.so" "$mode" "$n"
    [ -z "$compare" ] || row compared "$compare" "$mode" "$n"
done
