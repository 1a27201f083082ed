#!/usr/bin/env bash
# bench/run.sh: lockgraph overhead, measured in one run (docs/performance.md).
#
# Runs the lockbench microbenchmarks natively, under the pass-through floor shim and
# under lockgraph (variants alternated within each repetition so drift hits all of
# them alike), optionally under TSan and Helgrind; then pigz, xz and memcached native
# vs lockgraph, and the deadlock-detection latency.  Prints markdown tables of
# medians (min-max) and ratios.
#
# Exit status: 0 when every tool ran and every output parsed; 1 when a benchmark
# crashed, printed malformed output or a real program's output differed under the
# shim.  Numbers never decide the status: targets are only reported.
set -u -o pipefail

usage() {
    cat <<'EOF'
usage: bench/run.sh [--quick] [--build-dir DIR] [--reps N] [--real-reps N]
                    [--benches "a b ..."] [--no-tsan] [--no-helgrind] [--no-real]
                    [--no-memcached] [--no-latency] [--no-report-time] [--no-graph]
                    [--raw FILE]
  --quick         small iteration counts, 2 repetitions, 8 MB inputs (CI smoke run)
  --build-dir     build tree holding bin/lockbench and lib/liblockgraph*.so
                  (default: the first of build-bench, build-*, build under the repo
                  that has bin/lockbench, preferring one with lib/liblockgraph.so)
  --reps N        microbenchmark repetitions per variant (default 5, quick 2)
  --real-reps N   repetitions for pigz/xz/memcached (default 3, quick 1)
  --benches LIST  subset of: a b c d e e2 f g
  --no-report-time  skip `lockgraph report` on a hand-over-hand cycle of N locks
  --no-graph      skip (h) many locks and the stress program
  --raw FILE      also keep every raw measurement line in FILE
  --commit TEXT   what to print as the commit (when the build is of an export,
                  not of this working tree)
EOF
}

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
quick=0 build= reps= real_reps= benches="a b c d e e2 f g"
do_tsan=1 do_helgrind=1 do_real=1 do_memcached=1 do_latency=1 do_report_time=1 do_graph=1
raw_out= commit=
while [ $# -gt 0 ]; do
    case "$1" in
    --quick) quick=1 ;;
    --build-dir) build=$2; shift ;;
    --reps) reps=$2; shift ;;
    --real-reps) real_reps=$2; shift ;;
    --benches) benches=$2; shift ;;
    --no-tsan) do_tsan=0 ;;
    --no-helgrind) do_helgrind=0 ;;
    --no-real) do_real=0 ;;
    --no-memcached) do_memcached=0 ;;
    --no-latency) do_latency=0 ;;
    --no-report-time) do_report_time=0 ;;
    --no-graph) do_graph=0 ;;
    --raw) raw_out=$2; shift ;;
    --commit) commit=$2; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done
if [ "$quick" = 1 ]; then
    reps=${reps:-2} real_reps=${real_reps:-1}
    lb_args=(--quick) data_mb=8 mc_requests=20000 mc_seconds=20 lat_reps=1 hoh_sizes="20000"
    h_iters=2000 stress_ops=20000 mc_tp_seconds=5
else
    reps=${reps:-5} real_reps=${real_reps:-3}
    lb_args=() data_mb=100 mc_requests=300000 mc_seconds=60 lat_reps=3 hoh_sizes="20000 200000"
    h_iters=20000 stress_ops=100000 mc_tp_seconds=60
fi

if [ -z "$build" ]; then
    for cand in "$repo/build-bench" "$repo"/build-* "$repo/build"; do
        [ -x "$cand/bin/lockbench" ] || continue
        [ -z "$build" ] && build=$cand
        if [ -f "$cand/lib/liblockgraph.so" ]; then build=$cand; break; fi
    done
fi
if [ -z "$build" ] || [ ! -x "$build/bin/lockbench" ]; then
    echo "run.sh: no build tree with bin/lockbench (build first, or pass --build-dir)" >&2
    exit 2
fi
build=$(cd "$build" && pwd)
LB=$build/bin/lockbench
LG=$build/lib/liblockgraph.so
FLOOR=$build/lib/liblockgraph-floor.so
COUNT=$build/lib/liblockcount.so
[ -f "$LG" ] || LG=
[ -f "$FLOOR" ] || FLOOR=
[ -f "$COUNT" ] || COUNT=

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lgbench.XXXXXX")
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null
        wait "$server_pid" 2>/dev/null
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

failed=0
fail() { echo "run.sh: FAIL: $*" >&2; failed=1; }
raw=$tmp/raw.txt
: >"$raw"
lgenv=(LOCKGRAPH_OUTPUT="$tmp/lglog/lockgraph.%p.log" LOCKGRAPH_QUIET=1)
mkdir -p "$tmp/lglog"

# Environment for one variant (printed into an array, used with env).
variant_env() {
    case "$1" in
    native | tsan | helgrind) echo "LD_PRELOAD=" ;;
    floor) echo "LD_PRELOAD=$FLOOR" ;;
    lockgraph) printf '%s\n' "LD_PRELOAD=$LG" "${lgenv[@]}" ;;
    esac
}

# run_env K=V... CMD...: CMD with those variables, exec'd from a subshell.  Not
# env(1): that would be preloaded itself and leave a log and start-up time of its own.
run_env() (
    while [ $# -gt 0 ] && [[ "$1" == [A-Z_]*=* ]]; do export "$1"; shift; done
    exec "$@"
)

# run_lb VARIANT BENCH: one process, one benchmark; appends "variant bench ns rss"
# to $raw.  The line must be exactly what lockbench prints for that benchmark.
run_lb() {
    local v=$1 b=$2 out err rc line cmd envs
    mapfile -t envs < <(variant_env "$v")
    case "$v" in
    # TSan at a tenth of the iterations keeps (a)-(d) short; (e)/(e2) run at full
    # scale, the same number of new locks and edges as lockgraph's run: the cost per
    # op of either tool depends on how many have been made.
    tsan) case "$b" in
          e | e2) cmd=("$build/bin/lockbench-tsan" "${lb_args[@]}" "$b") ;;
          *) cmd=("$build/bin/lockbench-tsan" "${lb_args[@]}" --scale 0.1 "$b") ;;
          esac ;;
    # (f) at 1/1000 is 500 ops per thread: thread start-up would be all it measured.
    helgrind) cmd=(valgrind --tool=helgrind -q "$LB" --scale "$([ "$b" = f ] && echo 0.01 || echo 0.001)" "$b") ;;
    *) cmd=("$LB" "${lb_args[@]}" "$b") ;;
    esac
    out=$tmp/out.$v.$b err=$tmp/err.$v.$b
    run_env "${envs[@]}" "${cmd[@]}" >"$out" 2>"$err"
    rc=$?
    # Log bytes per op: what tracking costs on disk (lockgraph only).
    local logb
    logb=$(cat "$tmp"/lglog/* 2>/dev/null | wc -c)
    rm -f "$tmp"/lglog/*
    line=$(cat "$out")
    if [ $rc -ne 0 ] || ! [[ "$line" =~ ^bench=$b\ ns_per_op=([0-9]+\.[0-9]+)\ ops=[0-9]+\ threads=[0-9]+\ elapsed_ms=[0-9.]+(\ locks=[0-9]+\ rss_delta_kb=-?[0-9]+\ rss_per_lock_b=(-?[0-9.]+)\ anon_per_lock_b=(-?[0-9.]+))?$ ]]; then
        fail "lockbench $b under $v: exit $rc, output '${line:0:200}'"
        sed 's/^/    /' "$err" | tail -5 >&2
        return
    fi
    local ops
    ops=$(sed -n 's/.* ops=\([0-9]*\) .*/\1/p' "$out")
    echo "$v $b ${BASH_REMATCH[1]} ${BASH_REMATCH[3]:--} $([ "$v" = lockgraph ] && awk -v l="$logb" -v o="$ops" 'BEGIN { printf "%.2f", l / o }' || echo -) ${BASH_REMATCH[4]:--}" >>"$raw"
}

# stats VARIANT KEY [FIELD]: "median min max" of the matching raw rows, or "".
stats() {
    # mawk has no asort: sort numerically outside awk, then pick the middle.
    awk -v v="$1" -v b="$2" -v f="${3:-3}" '$1 == v && $2 == b && $f != "-" { print $f }' "$raw" |
        sort -g | awk '{ x[++n] = $1 }
        END { if (!n) exit; m = (n % 2) ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2;
              printf "%g %g %g\n", m, x[1], x[n] }'
}
med() { local s; s=$(stats "$@"); echo "${s%% *}"; }
fmt() { # fmt "median min max" -> "median (min–max)"
    [ -z "$1" ] && { echo "n/a"; return; }
    set -- $1
    if [ "$2" = "$3" ]; then printf '%.4g' "$1"; else printf '%.4g (%.4g–%.4g)' "$1" "$2" "$3"; fi
}
ratio() { # ratio A B -> A/B with 2 decimals, or n/a
    if [ -n "$1" ] && [ -n "$2" ]; then awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f×", a / b; else print "n/a" }'; else echo "n/a"; fi
}
verdict() { # verdict RATIO_NUMBER LIMIT
    [ -z "$1" ] && { echo "—"; return; }
    awk -v r="$1" -v l="$2" 'BEGIN { print (r <= l) ? "met" : "missed" }'
}

if [ -z "$commit" ]; then
    commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
    git -C "$repo" diff --quiet HEAD -- bench shim 2>/dev/null || commit+=" (+ uncommitted changes)"
fi
echo "# lockgraph benchmark run"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit: $commit"
echo "- machine: $(nproc) CPUs, $(awk '/model name/ { sub(/.*: /, ""); print; exit }' /proc/cpuinfo), $(uname -sr)"
echo "- build: $build; mode: $([ $quick = 1 ] && echo quick || echo full), $reps repetitions"
echo "- lockgraph shim: ${LG:-MISSING}; floor shim: ${FLOOR:-MISSING}"
# Other tenants' load is the main noise source on a small VM: record it.
echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

variants=(native)
[ -n "$FLOOR" ] && variants+=(floor)
[ -n "$LG" ] && variants+=(lockgraph)
have_tsan=0
[ $do_tsan = 1 ] && [ -x "$build/bin/lockbench-tsan" ] && have_tsan=1 && variants+=(tsan)
have_helgrind=0
[ $do_helgrind = 1 ] && command -v valgrind >/dev/null && have_helgrind=1

for ((r = 1; r <= reps; r++)); do
    echo "rep $r/$reps ..." >&2
    for b in $benches; do
        for v in "${variants[@]}"; do run_lb "$v" "$b"; done
    done
done
# Helgrind is ~1000x slower: one repetition at 1/1000 of the iterations.
if [ $have_helgrind = 1 ]; then
    echo "helgrind ..." >&2
    for b in $benches; do run_lb helgrind "$b"; done
fi

declare -A target=([a]=1.6 [b]=2.0 [c]=2.0 [d]=1.3 [e]= [e2]=50 [f]=1.3 [g]=2.0)
declare -A what=([a]="uncontended lock+unlock" [b]="nested pair A→B" [c]="chain of 8 nested"
    [d]="2 threads, 1 mutex" [e]="new mutexes, each locked once" [e2]="new edges (outer → new mutex)" [f]="64 threads, own pair + shared"
    [g]="nested rdlock pair")
echo "## Microbenchmarks (ns per op: median (min–max) of $reps runs)"
echo
hdr="| bench | what | native | floor | lockgraph | lg/native | lg/floor | target | |"
sep="|---|---|---|---|---|---|---|---|---|"
[ $have_tsan = 1 ] && hdr+=" TSan |" sep+="---|"
[ $have_helgrind = 1 ] && hdr+=" Helgrind |" sep+="---|"
echo "$hdr"
echo "$sep"
for b in $benches; do
    n=$(med native "$b") f=$(med floor "$b") l=$(med lockgraph "$b")
    t=${target[$b]:-}
    row="| $b | ${what[$b]} | $(fmt "$(stats native "$b")") | $(fmt "$(stats floor "$b")") | $(fmt "$(stats lockgraph "$b")") | $(ratio "$l" "$n") | $(ratio "$l" "$f") |"
    if [ -n "$t" ] && [ -n "$l" ]; then
        row+=" ≤ ${t}× | $(verdict "$(awk -v a="$l" -v b="$n" 'BEGIN { print a / b }')" "$t") |"
    else
        row+=" ${t:+≤ ${t}×} | |"
    fi
    [ $have_tsan = 1 ] && row+=" $(fmt "$(stats tsan "$b")") ($(ratio "$(med tsan "$b")" "$n")) |"
    [ $have_helgrind = 1 ] && row+=" $(fmt "$(stats helgrind "$b")") ($(ratio "$(med helgrind "$b")" "$n")) |"
    echo "$row"
done
echo

if [[ " $benches " == *" e "* || " $benches " == *" e2 "* ]]; then
    echo "## Memory (peak RSS growth per tracked lock, bytes; median of $reps runs)"
    echo
    echo "| bench | native | floor | lockgraph | lockgraph − native | target | | lockgraph anon − native | lockgraph log bytes/op |$([ $have_tsan = 1 ] && echo ' TSan − native |')"
    echo "|---|---|---|---|---|---|---|---|---|$([ $have_tsan = 1 ] && echo '---|')"
    for b in e e2; do
        [[ " $benches " == *" $b "* ]] || continue
        n=$(med native "$b" 4) f=$(med floor "$b" 4) l=$(med lockgraph "$b" 4) ts=$(med tsan "$b" 4)
        lim=$([ "$b" = e ] && echo 128 || echo 256)
        d=
        [ -n "$l" ] && [ -n "$n" ] && d=$(awk -v a="$l" -v b="$n" 'BEGIN { printf "%.1f", a - b }')
        td=
        [ -n "$ts" ] && [ -n "$n" ] && td=$(awk -v a="$ts" -v b="$n" 'BEGIN { printf "%.1f", a - b }')
        lb=$(med lockgraph "$b" 5)
        la=$(med lockgraph "$b" 6) na=$(med native "$b" 6) ad=
        [ -n "$la" ] && [ -n "$na" ] && ad=$(awk -v a="$la" -v b="$na" 'BEGIN { printf "%.1f", a - b }')
        echo "| $b | ${n:-n/a} | ${f:-n/a} | ${l:-n/a} | ${d:-n/a} | ≤ $lim | $(verdict "$d" "$lim") | ${ad:-n/a} | ${lb:-n/a} |$([ $have_tsan = 1 ] && echo " ${td:-n/a} |")"
    done
    echo
fi

# ---------------------------------------------------------------- real programs
# time_cmd OUTFILE CMD...: runs CMD with stdout to OUTFILE; prints "wall cpu"
# seconds.  CPU (user + sys, from the shell's children times: run inside $(...), so
# the only child is CMD) is less sensitive than wall time to other tenants' load.
time_cmd() {
    local out=$1 t0 t1 rc
    shift
    t0=$EPOCHREALTIME
    "$@" >"$out" 2>>"$tmp/real.err"
    rc=$?
    t1=$EPOCHREALTIME
    rm -f "$tmp"/lglog/*
    [ $rc -eq 0 ] || return $rc
    # Not "times | awk": the pipeline's subshell has no children of its own.
    times >"$tmp/times"
    awk -v a="$t0" -v b="$t1" 'function s(x) { split(x, p, /[ms]/); return p[1] * 60 + p[2] }
        NR == 2 { printf "%.3f %.3f\n", b - a, s($1) + s($2) }' "$tmp/times"
}

# count_locks CMD...: total lock acquisitions CMD makes (liblockcount.so), or "".
count_locks() {
    [ -n "$COUNT" ] || return 0
    rm -f "$tmp/counts"
    LOCKCOUNT_FILE=$tmp/counts LD_PRELOAD=$COUNT "$@" >/dev/null 2>>"$tmp/real.err" || return 0
    od -An -t u8 -v "$tmp/counts" | awk '{ for (i = 1; i <= NF; i++) s += $i } END { print s + 0 }'
}

# Per-call cost from the microbenchmarks: (a) is one lock+unlock pair, the unit the
# counter counts (one acquisition).
pair_extra_ns=
na=$(med native a) la=$(med lockgraph a)
[ -n "$na" ] && [ -n "$la" ] && pair_extra_ns=$(awk -v a="$la" -v b="$na" 'BEGIN { printf "%.2f", a - b }')
predict() { # predict CALLS NATIVE_SECONDS -> "x.xx %"
    if [ -n "$1" ] && [ -n "$pair_extra_ns" ] && [ -n "$2" ]; then
        awk -v c="$1" -v d="$pair_extra_ns" -v t="$2" 'BEGIN { printf "%.3f %%", 100 * c * d * 1e-9 / t }'
    else echo "n/a"; fi
}

if [ $do_real = 1 ]; then
    echo "## Real programs (seconds: median (min–max) of $real_reps runs)"
    echo
    echo "| program | native wall | lockgraph wall | wall overhead | target | | native CPU | lockgraph CPU | CPU overhead | lock calls | predicted from (a) | output |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
    data=$tmp/data.txt
    "$build/bin/gendata" "$data_mb" >"$data" || fail "gendata"
    for prog in pigz xz; do
        if ! command -v $prog >/dev/null; then
            echo "| $prog | not installed | | | | | | | | | | |"
            continue
        fi
        case $prog in
        pigz) pcmd=(pigz -p 2 -n -c) ;;
        xz) pcmd=(xz -T2 -c) ;;
        esac
        echo "$prog ..." >&2
        sums=
        for ((r = 1; r <= real_reps; r++)); do
            for v in native lockgraph; do
                [ $v = lockgraph ] && [ -z "$LG" ] && continue
                mapfile -t envs < <(variant_env $v)
                if s=$(time_cmd "$tmp/$prog.$v" run_env "${envs[@]}" "${pcmd[@]}" <"$data"); then
                    echo "$v $prog ${s% *} -" >>"$raw"
                    echo "$v ${prog}_cpu ${s#* } -" >>"$raw"
                    sums+=" $(sha256sum <"$tmp/$prog.$v" | cut -c1-16)"
                else
                    fail "$prog under $v exited non-zero"
                    tail -3 "$tmp/real.err" >&2
                fi
            done
        done
        # Every run, native or not, must have produced the same bytes.
        nsum=$(tr ' ' '\n' <<<"$sums" | sed '/^$/d' | sort -u | wc -l)
        if [ "$nsum" -gt 1 ]; then
            outcheck="DIFFERENT"
            fail "$prog output differs between runs/variants"
        elif [ "$nsum" -eq 1 ]; then
            outcheck="identical (sha256 $(awk '{ print $1 }' <<<"$sums")…)"
            # And the compressed stream must actually round-trip.
            if ! $prog -dc <"$tmp/$prog.native" | cmp -s - "$data"; then
                outcheck="ROUND-TRIP FAILED"
                fail "$prog output does not decompress to the input"
            fi
        else
            outcheck="n/a"
        fi
        calls=$(count_locks "${pcmd[@]}" <"$data")
        n=$(med native $prog) l=$(med lockgraph $prog)
        ov=
        [ -n "$l" ] && [ -n "$n" ] && ov=$(awk -v a="$l" -v b="$n" 'BEGIN { printf "%.2f", 100 * (a / b - 1) }')
        nc=$(med native ${prog}_cpu) lc=$(med lockgraph ${prog}_cpu)
        ovc=
        [ -n "$lc" ] && [ -n "$nc" ] && ovc=$(awk -v a="$lc" -v b="$nc" 'BEGIN { printf "%.2f", 100 * (a / b - 1) }')
        echo "| \`${pcmd[*]}\` (${data_mb} MB) | $(fmt "$(stats native $prog)") | $(fmt "$(stats lockgraph $prog)") | ${ov:+$ov %} | ≤ 3 % | $(verdict "$ov" 3) | $(fmt "$(stats native ${prog}_cpu)") | $(fmt "$(stats lockgraph ${prog}_cpu)") | ${ovc:+$ovc %} | ${calls:-n/a} | $(predict "$calls" "$n") | $outcheck |"
        rm -f "$tmp/$prog.native" "$tmp/$prog.lockgraph"
    done
    rm -f "$data"
    echo
fi

# ------------------------------------------- (h) many locks, and the stress program
# (h): bench/manylock.c natively, under lockgraph and as a ThreadSanitizer build;
# stress: bench/rwstress.c natively and under lockgraph.  Wall and process CPU
# seconds of the whole run, each variant alternated within a repetition.

# TSan maps its shadow at fixed addresses: with a large vm.mmap_rnd_bits (Linux 6.5+
# defaults on some distributions) a binary can die at start with "unexpected memory
# mapping".  Then it is run without address randomisation (setarch -R), which does
# not change what it measures.
tsan_prefix=()
tsan_usable() { # tsan_usable BINARY ARGS...: sets tsan_prefix, 0 if it runs
    "$@" >/dev/null 2>"$tmp/tsan.probe" && { tsan_prefix=(); return 0; }
    if grep -q "unexpected memory mapping" "$tmp/tsan.probe" && command -v setarch >/dev/null &&
        setarch "$(uname -m)" -R "$@" >/dev/null 2>&1; then
        tsan_prefix=(setarch "$(uname -m)" -R)
        return 0
    fi
    return 1
}

# run_prog VARIANT KEY CMD...: one run; the line must be "bench=... wall_s=W cpu_s=C ..."
run_prog() {
    local v=$1 k=$2 envs line rc
    shift 2
    mapfile -t envs < <(variant_env "$v")
    [ "$v" = tsan ] && set -- "${tsan_prefix[@]}" "$@"
    line=$(run_env "${envs[@]}" "$@" 2>"$tmp/err.$v.$k")
    rc=$?
    rm -f "$tmp"/lglog/*
    if [ $rc -ne 0 ] || ! [[ "$line" =~ ^bench=[a-z]+\ wall_s=([0-9.]+)\ cpu_s=([0-9.]+)\  ]]; then
        fail "$k under $v: exit $rc, output '${line:0:200}'"
        tail -5 "$tmp/err.$v.$k" | sed 's/^/    /' >&2
        return 1
    fi
    echo "$v ${k}_wall ${BASH_REMATCH[1]} -" >>"$raw"
    echo "$v ${k}_cpu ${BASH_REMATCH[2]} -" >>"$raw"
}

if [ $do_graph = 1 ] && [ -x "$build/bin/manylock" ] && [ -x "$build/bin/rwstress" ]; then
    echo "many locks and stress ..." >&2
    h_variants=(native)
    [ -n "$LG" ] && h_variants+=(lockgraph)
    h_tsan=0
    if [ $do_tsan = 1 ] && [ -x "$build/bin/manylock-tsan" ] && tsan_usable "$build/bin/manylock-tsan" 10; then
        h_tsan=1 h_variants+=(tsan)
    fi
    for ((r = 1; r <= real_reps; r++)); do
        for v in "${h_variants[@]}"; do
            bin=$build/bin/manylock
            [ "$v" = tsan ] && bin=$build/bin/manylock-tsan
            run_prog "$v" h "$bin" "$h_iters"
            [ "$v" = tsan ] || run_prog "$v" stress "$build/bin/rwstress" "$stress_ops"
        done
    done
    echo "## (h) many locks and the stress program (seconds; median (min–max) of $real_reps)"
    echo
    echo "(h): 1000 mutexes, 4 threads × $h_iters iterations of 2–4 nested in increasing order from random starts, a hand-over-hand walk of all 1000 every 200.  Stress: 4096 rwlocks, 4 threads × $stress_ops random lock/trylock/unlock/destroy in one global order.${tsan_prefix[*]:+  (TSan run under \`${tsan_prefix[*]}\`.)}"
    echo
    echo "| program | time | native | lockgraph | lockgraph / native |$([ $h_tsan = 1 ] && echo ' TSan | lockgraph / TSan |') target | |"
    echo "|---|---|---|---|---|$([ $h_tsan = 1 ] && echo '---|---|')---|---|"
    for k in h_wall h_cpu stress_wall stress_cpu; do
        n=$(med native $k) l=$(med lockgraph $k) ts=$(med tsan $k)
        row="| ${k%_*} | ${k#*_} | $(fmt "$(stats native $k)") | $(fmt "$(stats lockgraph $k)") | $(ratio "$l" "$n") |"
        case $k in
        h_*)
            [ $h_tsan = 1 ] && row+=" $(fmt "$(stats tsan $k)") | $(ratio "$l" "$ts") |"
            v=
            [ -n "$l" ] && [ -n "$ts" ] && v=$(awk -v a="$l" -v b="$ts" 'BEGIN { if (b > 0) printf "%.4f", a / b }')
            row+=" ≤ TSan | $(verdict "$v" 1) |" ;;
        stress_wall)
            [ $h_tsan = 1 ] && row+=" | |"
            lim=$(awk -v n="${n:-0}" 'BEGIN { printf "%.3f", 10 * n + 1 }')
            v=
            [ -n "$l" ] && v=$(awk -v a="$l" -v b="$lim" 'BEGIN { printf "%.4f", a / b }')
            row+=" ≤ 10 × native + 1 s ($lim s) | $(verdict "$v" 1) |" ;;
        *)
            [ $h_tsan = 1 ] && row+=" | |"
            row+=" | |" ;;
        esac
        echo "$row"
    done
    echo
fi

# -------------------------------------------------------------------- memcached
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# start_memcached K=V...: starts memcached with that environment on a free port of
# our own; sets server_pid (memcached itself: the subshell execs it, so /proc/PID/stat
# is the server's CPU) and mc_port.  Another run.sh may race us for a port (ctest
# runs in parallel): a server that died right after start lost the race, try another.
start_memcached() {
    local p tries
    mc_port=
    for ((tries = 0; tries < 20; tries++)); do
        p=$((20000 + (RANDOM * 32768 + RANDOM + $$) % 10000))
        port_free $p || continue
        local args=(-p "$p" -l 127.0.0.1 -U 0 -m 64)
        [ -n "$mc_threads" ] && args+=(-t "$mc_threads")
        [ "$(id -u)" = 0 ] && args+=(-u root)
        (
            for kv in "$@"; do export "$kv"; done
            exec memcached "${args[@]}"
        ) 2>>"$tmp/real.err" &
        server_pid=$!
        # Up when it accepts; ours if it is still alive then.
        local i
        for ((i = 0; i < 50; i++)); do
            kill -0 "$server_pid" 2>/dev/null || break
            port_free $p || break
            sleep 0.1
        done
        if kill -0 "$server_pid" 2>/dev/null && ! port_free $p; then
            mc_port=$p
            return 0
        fi
        wait "$server_pid" 2>/dev/null
        server_pid=
    done
    fail "could not start memcached on a free port"
    return 1
}
stop_memcached() {
    [ -n "$server_pid" ] || return 0
    kill "$server_pid" 2>/dev/null
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.5
    done
    kill -9 "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
    server_pid=
    rm -f "$tmp"/lglog/*
}
mc_threads=2
proc_cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null; }

# mc_load VARIANT SUFFIX: one measured load on the running server; records client
# µs/request and server CPU µs/request.  Prints the request count.
mc_load() {
    local v=$1 sfx=$2 line c0 c1
    c0=$(proc_cpu_ticks "$server_pid")
    line=$("$build/bin/memload" -p "$mc_port" -F -c 8 -n "$mc_requests" -t "$mc_seconds" 2>>"$tmp/real.err")
    c1=$(proc_cpu_ticks "$server_pid")
    if ! [[ "$line" =~ ^memload\ requests=([0-9]+)\ elapsed_s=[0-9.]+\ us_per_req=([0-9.]+)\ req_per_s=[0-9]+\ misses=[0-9]+$ ]]; then
        fail "memcached ($v): load generator output '${line:0:200}'"; tail -3 "$tmp/real.err" >&2; return 1
    fi
    local reqs=${BASH_REMATCH[1]} us=${BASH_REMATCH[2]}
    [ "$v" = count ] && { echo "$reqs"; return 0; }
    echo "$v mc_client$sfx $us -" >>"$raw"
    [ -n "$c0" ] && [ -n "$c1" ] &&
        echo "$v mc_server$sfx $(awk -v d=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v r="$reqs" 'BEGIN { printf "%.3f", d / hz * 1e6 / r }') -" >>"$raw"
    echo "$reqs"
}

# memcached_once VARIANT|count: one server lifetime: fill, then two measured loads.
# The first ("cold") is where lockgraph meets every new lock chain of the server; the
# second ("warm", same server, same key space) is the steady state.
memcached_once() {
    local v=$1 envs reqs
    if [ "$v" = count ]; then envs=("LOCKCOUNT_FILE=$tmp/counts" "LD_PRELOAD=$COUNT"); rm -f "$tmp/counts"
    else mapfile -t envs < <(variant_env "$v"); fi
    start_memcached "${envs[@]}" || return 1
    if ! "$build/bin/memload" -p "$mc_port" -f >/dev/null 2>>"$tmp/real.err"; then
        fail "memcached ($v): prefill failed"; stop_memcached; return 1
    fi
    if [ "$v" = count ]; then
        local before
        before=$(od -An -t u8 -v "$tmp/counts" | awk '{ for (i = 1; i <= NF; i++) s += $i } END { print s + 0 }')
        reqs=$(mc_load count "") || { stop_memcached; return 1; }
        od -An -t u8 -v "$tmp/counts" | awk -v r="$reqs" -v b="$before" '{ for (i = 1; i <= NF; i++) s += $i } END { printf "%.1f\n", (s - b) / r }'
    else
        mc_load "$v" "" >/dev/null && mc_load "$v" _warm >/dev/null
    fi
    stop_memcached
}

if [ $do_real = 1 ] && [ $do_memcached = 1 ]; then
    if command -v memcached >/dev/null; then
        echo "memcached ..." >&2
        for ((r = 1; r <= real_reps; r++)); do
            memcached_once native
            [ -n "$LG" ] && memcached_once lockgraph
        done
        per_req_calls=
        [ -n "$COUNT" ] && per_req_calls=$(memcached_once count)
        echo "## memcached (\`memcached -t 2\`, 8 connections, 90 % get / 10 % set; per server: fill, then $mc_requests requests cold, then $mc_requests warm; median (min–max) of $real_reps servers)"
        echo
        echo "| metric | native | lockgraph | overhead | target | |"
        echo "|---|---|---|---|---|---|"
        for m in mc_client mc_server mc_client_warm mc_server_warm; do
            n=$(med native $m) l=$(med lockgraph $m)
            ov=
            [ -n "$l" ] && [ -n "$n" ] && ov=$(awk -v a="$l" -v b="$n" 'BEGIN { printf "%.2f", 100 * (a / b - 1) }')
            case $m in
            mc_client) label="client µs / request, cold" ;;
            mc_server) label="server CPU µs / request, cold" ;;
            mc_client_warm) label="client µs / request, warm" ;;
            mc_server_warm) label="server CPU µs / request, warm" ;;
            esac
            # the issue's targets: server CPU ≤ +25 % over the first requests (cold),
            # ≤ +3 % once warm; client latency is reported against the same lines
            tgt=3
            [[ $m == *_warm ]] || tgt=25
            echo "| $label | $(fmt "$(stats native $m)") | $(fmt "$(stats lockgraph $m)") | ${ov:+$ov %} | ≤ $tgt % | $(verdict "$ov" $tgt) |"
        done
        echo
        if [ -n "$per_req_calls" ]; then
            pr=n/a
            [ -n "$pair_extra_ns" ] && pr=$(awk -v c="$per_req_calls" -v d="$pair_extra_ns" -v t="$(med native mc_server_warm)" 'BEGIN { if (t > 0) printf "%.2f %%", 100 * c * d / 1000 / t; else print "n/a" }')
            echo "Lock acquisitions in the server per request: $per_req_calls; at the (a) per-call overhead that predicts $pr of server CPU."
            echo
        fi
    else
        echo "memcached: not installed, skipped"
        echo
    fi
fi

# Throughput at memcached's default thread count (4) and at -t 2: one server per
# variant and thread count, filled, then $mc_tp_seconds s of load; requests/s.
if [ $do_real = 1 ] && [ $do_memcached = 1 ] && command -v memcached >/dev/null && [ -n "$LG" ]; then
    echo "memcached throughput ..." >&2
    for thr in "" 2; do
        for v in native lockgraph; do
            mc_threads=$thr
            mapfile -t envs < <(variant_env "$v")
            start_memcached "${envs[@]}" || continue
            if ! "$build/bin/memload" -p "$mc_port" -f >/dev/null 2>>"$tmp/real.err"; then
                fail "memcached ($v, threads ${thr:-default}): prefill failed"; stop_memcached; continue
            fi
            line=$("$build/bin/memload" -p "$mc_port" -F -c 8 -n 1000000000 -t "$mc_tp_seconds" 2>>"$tmp/real.err")
            if [[ "$line" =~ req_per_s=([0-9]+) ]]; then
                echo "$v mc_tp_${thr:-default} ${BASH_REMATCH[1]} -" >>"$raw"
            else
                fail "memcached throughput ($v): load generator output '${line:0:200}'"
            fi
            stop_memcached
        done
    done
    mc_threads=2
    echo "## memcached throughput ($mc_tp_seconds s of load per server, 8 connections, 90 % get)"
    echo
    echo "| threads | native req/s | lockgraph req/s | lockgraph / native | target | |"
    echo "|---|---|---|---|---|---|"
    for thr in default 2; do
        n=$(med native mc_tp_$thr) l=$(med lockgraph mc_tp_$thr)
        pct= v=
        [ -n "$n" ] && [ -n "$l" ] && pct=$(awk -v a="$l" -v b="$n" 'BEGIN { if (b > 0) printf "%.1f", 100 * a / b }')
        [ -n "$pct" ] && v=$(awk -v p="$pct" 'BEGIN { printf "%.4f", 90 / (p > 0 ? p : 0.0001) }')
        echo "| $([ $thr = default ] && echo 'default (4)' || echo "-t $thr") | ${n:-n/a} | ${l:-n/a} | ${pct:+$pct %} | ≥ 90 % | $(verdict "$v" 1) |"
    done
    echo
fi

# ------------------------------------------------------------- deadlock latency
if [ $do_latency = 1 ]; then
    echo "## Deadlock detection latency (cycle closed → process ended, default settings)"
    echo
    if [ -z "$LG" ]; then
        echo "skipped: no lockgraph shim in $build/lib"
    else
        echo "| case | latency ms: median (min–max) of $lat_reps | exit status | target | |"
        echo "|---|---|---|---|---|"
        for c in abba ring3; do
            exits= note=
            for ((r = 1; r <= lat_reps; r++)); do
                line=$(env "${lgenv[@]}" "$build/bin/deadlat" --measure --preload "$LG" --timeout 10 "$c" 2>>"$tmp/real.err")
                rm -f "$tmp"/lglog/*
                if ! [[ "$line" =~ ^bench=deadlock_$c\ latency_ms=([0-9.]+|NA)\ exit=([a-z0-9]+)\ status=([a-z-]+)$ ]]; then
                    fail "deadlat $c: output '${line:0:200}'"; continue
                fi
                exits+=" ${BASH_REMATCH[2]}"
                if [ "${BASH_REMATCH[1]}" = NA ]; then
                    note=" (${BASH_REMATCH[3]}: not detected within 10 s)"
                else
                    echo "lockgraph lat_$c ${BASH_REMATCH[1]} -" >>"$raw"
                fi
            done
            l=$(med lockgraph "lat_$c")
            echo "| $c | $(fmt "$(stats lockgraph "lat_$c")")$note |$exits | ≤ 2000 | $(verdict "$l" 2000) |"
        done
    fi
    echo
fi

# ------------------------------------------------------------------- report time
# `lockgraph report` on one lock-order cycle of N heap mutexes (bench/handoverhand.c:
# a hand-over-hand walk closed by m[N-1] -> m[0]): the report must be linear in the
# cycle's length.  One run per size (the log is made once, under the shim).
if [ $do_report_time = 1 ]; then
    echo "## Report time on a hand-over-hand cycle of N locks"
    echo
    if [ -z "$LG" ] || [ ! -x "$build/bin/handoverhand" ] || [ ! -x "$build/bin/lockgraph" ]; then
        echo "skipped: no shim, bin/handoverhand or bin/lockgraph in $build"
    else
        echo "| N | log MB | text report s | text KB | peak RSS MB | JSON report s | JSON MB | JSON peak RSS MB |"
        echo "|---|---|---|---|---|---|---|---|"
        for n in $hoh_sizes; do
            rm -rf "$tmp/hoh" && mkdir -p "$tmp/hoh"
            if ! LOCKGRAPH_OUTPUT="$tmp/hoh/lg.%p.log" LOCKGRAPH_QUIET=1 LD_PRELOAD="$LG" \
                "$build/bin/handoverhand" "$n" 2>>"$tmp/real.err"; then
                fail "handoverhand $n"; continue
            fi
            log=$(ls "$tmp"/hoh/lg.*.log | head -1)
            t0=$(date +%s.%N)
            /usr/bin/env time -f "%M" -o "$tmp/hoh/rss" "$build/bin/lockgraph" report "$log" >"$tmp/hoh/out.txt" 2>>"$tmp/real.err"
            st=$?
            t1=$(date +%s.%N)
            [ $st -eq 1 ] || fail "report on handoverhand $n: exit status $st (want 1: one finding)"
            secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
            echo "lockgraph report_hoh_$n $secs -" >>"$raw"
            # the JSON report keeps every lock and frame (about 5 KB per lock): its
            # time and memory must stay linear too (streamed, not built in memory)
            t0=$(date +%s.%N)
            /usr/bin/env time -f "%M" -o "$tmp/hoh/jrss" "$build/bin/lockgraph" report --format json \
                -o "$tmp/hoh/out.json" "$log" 2>>"$tmp/real.err"
            st=$?
            t1=$(date +%s.%N)
            [ $st -eq 1 ] || fail "json report on handoverhand $n: exit status $st (want 1)"
            jsecs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
            echo "lockgraph report_hoh_json_$n $jsecs -" >>"$raw"
            echo "| $n | $(du -m "$log" | cut -f1) | $secs | $(( $(wc -c <"$tmp/hoh/out.txt") / 1024 )) | $(( $(tail -n 1 "$tmp/hoh/rss" 2>/dev/null || echo 0) / 1024 )) | $jsecs | $(( $(wc -c <"$tmp/hoh/out.json") / 1048576 )) | $(( $(tail -n 1 "$tmp/hoh/jrss" 2>/dev/null || echo 0) / 1024 )) |"
            rm -f "$tmp/hoh/out.json"
        done
    fi
    echo
fi

echo "- load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
[ -n "$raw_out" ] && cp "$raw" "$raw_out"
if [ $failed = 1 ]; then
    echo "run.sh: some benchmarks failed (see above)" >&2
    exit 1
fi
exit 0
