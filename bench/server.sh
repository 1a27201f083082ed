#!/usr/bin/env bash
# bench/server.sh: what thread churn and fork cost a server under lockgraph
# (docs/performance.md, "Servers" and "fork").  Runs bench/churn natively and under
# the shim of BUILD (and, with --compare SHIM, under another shim, e.g. an older
# build's) and prints peak RSS (VmHWM) and log size per variant ("nested": each
# thread takes two mutexes in order, so each is named by the order graph; a tenth as
# many).  Then bench/forkcost: a parent with H known locks (and H/2 edges) forks N
# children that _exit at once, exec /bin/true, or take one new lock and exit; the
# medians of fork()'s latency in the parent, of the child's completion (fork to
# waitpid) and of the child's CPU time (user + system: what the child itself cost,
# without the wait for a CPU that a loaded machine adds to the wall times), in
# microseconds, natively, under BUILD's shim and under SHIM.  Numbers only; no
# pass/fail.
#
#   bench/server.sh [--build-dir BUILD] [--threads N] [--compare SHIM]
#                   [--part churn|fork|all] [--forks N] [--histories "H1 H2 .."]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$here/../build threads=100000 compare= part=all forks=20 histories="1000 100000"
while [ $# -gt 0 ]; do
    case "$1" in
    --build-dir) build=$2; shift ;;
    --threads) threads=$2; shift ;;
    --compare) compare=$2; shift ;;
    --part) part=$2; shift ;;
    --forks) forks=$2; shift ;;
    --histories) histories=$2; shift ;;
    *) echo "usage: bench/server.sh [--build-dir BUILD] [--threads N] [--compare SHIM]" \
            "[--part churn|fork|all] [--forks N] [--histories \"H1 H2 ..\"]" >&2; exit 2 ;;
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
if [ "$part" != fork ]; then
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
fi
[ "$part" != churn ] || exit 0

# fork: "fork_us child_us child_cpu_us" of one variant (H, mode, shim or "")
forkcost() {
    local d=$tmp/fork.$RANDOM out
    mkdir -p "$d"
    if [ -n "$3" ]; then
        out=$(LOCKGRAPH_OUTPUT=$d/lg.%p.log LD_PRELOAD=$3 "$build/bin/forkcost" "$1" "$2" "$forks" 2>/dev/null)
    else
        out=$("$build/bin/forkcost" "$1" "$2" "$forks")
    fi
    rm -rf "$d"
    local f=${out#*fork_us=} c=${out#*child_us=} u=${out#*child_cpu_us=}
    echo "${f%% *} ${c%% *} ${u%% *}"
}
[ "$part" = all ] && echo
hdr="| H locks | child | native fork / child / child CPU us | lockgraph fork / child / child CPU us |"
sep="|---|---|---|---|"
[ -z "$compare" ] || { hdr="$hdr compared fork / child / child CPU us |"; sep="$sep---|"; }
echo "$hdr"
echo "$sep"
for h in $histories; do
    for mode in exit exec newlock; do
        line="| $h | $mode | $(forkcost "$h" "$mode" "" | sed 's| | / |g') | $(forkcost "$h" "$mode" "$build/lib/liblockgraph.so" | sed 's| | / |g') |"
        [ -z "$compare" ] || line="$line $(forkcost "$h" "$mode" "$compare" | sed 's| | / |g') |"
        echo "$line"
    done
done
