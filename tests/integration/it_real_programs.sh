#!/bin/sh
# Real programs under lockgraph: each must give byte-identical stdout with and
# without the tool, and `lockgraph report` on their logs must find nothing (exit 0).
# pigz -p 2 and xz -T2 compress a generated file; sqlite3 runs a query; python3 runs
# a threading script.  usage: it_real_programs.sh LOCKGRAPH
set -eu
lockgraph=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# ~16 MB of compressible, deterministic input
python3 - "$tmp/input" <<'PY'
import sys, random
r = random.Random(42)
words = [''.join(r.choice('abcdefghij') for _ in range(r.randint(2, 9))) for _ in range(500)]
with open(sys.argv[1], 'w') as f:
    for i in range(400000):
        f.write(' '.join(r.choice(words) for _ in range(6)) + '\n')
PY

cat >"$tmp/query.sql" <<'SQL'
create table t(k integer primary key, v text);
with recursive n(i) as (select 1 union all select i + 1 from n where i < 20000)
insert into t select i, 'value ' || (i * 7919 % 1000) from n;
create index tv on t(v);
select count(*), count(distinct v), sum(k) from t where v like 'value 1%';
SQL

cat >"$tmp/threads.py" <<'PY'
import queue, threading
q, lock, total = queue.Queue(), threading.Lock(), [0]
cond = threading.Condition()
def worker():
    while True:
        n = q.get()
        if n is None:
            return
        with lock:
            total[0] += n
        with cond:
            cond.notify_all()
ts = [threading.Thread(target=worker) for _ in range(4)]
for t in ts: t.start()
for i in range(20000): q.put(i)
for t in ts: q.put(None)
for t in ts: t.join()
print(total[0])
PY

check() { # name, then the command (its stdout is compared)
  name=$1; shift
  mkdir "$tmp/$name"
  "$@" >"$tmp/$name/native.out" 2>/dev/null
  if [ ! -s "$tmp/$name/native.out" ]; then
    echo "FAIL $name: no output even without lockgraph"; fail=1; return
  fi
  "$lockgraph" run --quiet --output "$tmp/$name/lg.%p.log" -- "$@" >"$tmp/$name/traced.out" 2>"$tmp/$name/stderr"
  if ! cmp -s "$tmp/$name/native.out" "$tmp/$name/traced.out"; then
    echo "FAIL $name: stdout differs under lockgraph"; fail=1; return
  fi
  set -- "$tmp/$name"/lg.*.log
  if [ ! -f "$1" ]; then
    echo "FAIL $name: no log written"; fail=1; return
  fi
  status=0
  "$lockgraph" report "$@" >"$tmp/$name/report.txt" 2>&1 || status=$?
  if [ "$status" -ne 0 ]; then
    echo "FAIL $name: report exit status $status"; sed -n 1,40p "$tmp/$name/report.txt"; fail=1; return
  fi
  echo "ok $name: identical stdout, $# log(s), no finding"
}

# A shell pipeline: dash ends with _exit and each stage is a fork + exec; every
# image's log must end cleanly (END record, file cut to length: no warning) and be
# found by the report's glob.
pipeline() {
  mkdir "$tmp/pipeline"
  "$lockgraph" run --quiet --output "$tmp/pipeline/lg.%p.log" -- \
    sh -c "pigz -p 2 -c '$tmp/input' | pigz -d -p 2 | md5sum" >"$tmp/pipeline/out"
  n=$(ls "$tmp/pipeline"/lg.*.log | wc -l)
  unfinished=$("$lockgraph" dump "$tmp/pipeline"/lg.*.log 2>&1 | grep -c "end=none\|unused space\|torn" || true)
  if [ "$n" -lt 7 ] || [ "$unfinished" -ne 0 ]; then
    echo "FAIL pipeline: $n logs (expected 7: sh, and fork+exec of 3 stages), $unfinished unfinished"
    "$lockgraph" dump "$tmp/pipeline"/lg.*.log 2>&1 | grep "^process\|lockgraph:"
    fail=1
    return
  fi
  echo "ok pipeline: $n logs, all finished"
}
pipeline

check pigz pigz -p 2 -c "$tmp/input"
check xz xz -T2 -c "$tmp/input"
check sqlite3 sqlite3 :memory: -init "$tmp/query.sql" ".quit"
check python /usr/bin/python3 "$tmp/threads.py"
exit $fail
