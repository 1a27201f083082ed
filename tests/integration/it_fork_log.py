#!/usr/bin/env python3
"""A fork child's log holds the parent's history only when the child needs it
(issue 13; docs/shim.md "fork"): tp_fork_history builds a parent with a lock-order
inversion and N more locks, then forks one child per case.

  exit, known, return  the child _exits at once / takes a known lock with nothing
      held / returns from main: its log is short (HEADER and END(exit), no history:
      no LOCK, STACK, THREAD or STATS record), finished (no torn-log warning) and a
      few hundred bytes however large the parent's history.
  exec  the child execs /bin/true at once: its log is short and ends with END(exec);
      the exec'd image writes a log of its own.
  newlock  the child takes a lock the parent never used: its log stands alone with
      every definition of the parent's (each LOCK of the parent, then the new one),
      reads cleanly, and `lockgraph report` on it alone still finds the parent's
      inversion.
  execfail  the child's exec fails, then it takes a new lock: its log is short up to
      END(exec), then holds the parent's definitions, the new lock and END(exit).

Not timing-based: it counts records.  usage: it_fork_log.py --lockgraph BIN --shim LIB
--prog tp_fork_history [--case NAME]"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lglog  # noqa: E402

CASES = ["exit", "known", "return", "exec", "newlock", "execfail"]
N = 3000
HISTORY = {"STACK", "THREAD", "THREAD_EXIT", "LOCK", "LOCK_RETIRE", "EDGE", "CHAIN",
           "CONTEXT", "STATS", "MODULE"}
failures = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        failures.append(what)


def header(log):
    h = log.records[0] if log.records else None
    return h if h is not None and h.name == "HEADER" else None


def run_case(a, case, tmp):
    env = dict(os.environ, LOCKGRAPH_OUTPUT=os.path.join(tmp, "lg.%p.log"), LD_PRELOAD=a.shim)
    p = subprocess.run([a.prog, str(N), case], env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True, timeout=120)
    check(p.returncode == 0, "%s: tp_fork_history exit status %d" % (case, p.returncode))
    child = int(p.stdout.split("child ")[1].split()[0]) if "child " in p.stdout else -1
    logs = {}
    for name in sorted(os.listdir(tmp)):
        path = os.path.join(tmp, name)
        try:
            logs[path] = lglog.Log(a.lockgraph, path)
        except ValueError as e:
            check(False, "%s: %s reads (%s)" % (case, name, e))
    parent = [pth for pth, lg in logs.items() if header(lg) and header(lg).int("pid") != child]
    forked = [pth for pth, lg in logs.items() if header(lg) and header(lg).int("pid") == child
              and header(lg).int("flags") & 1]
    check(len(parent) == 1 and len(forked) == 1,
          "%s: one parent log and one forked child log (%d, %d)" % (case, len(parent), len(forked)))
    if len(parent) != 1 or len(forked) != 1:
        return
    plog, clog = logs[parent[0]], logs[forked[0]]
    plocks = sum(r.name == "LOCK" for r in plog.records)
    check(plocks >= N, "%s: the parent's log has its %d locks (%d)" % (case, N, plocks))
    check(clog.how == "end" and not clog.warning,
          "%s: the child's log is finished (%s, %r)" % (case, clog.how, clog.warning))
    names = [r.name for r in clog.records]
    ends = [r for r in clog.records if r.name == "END"]
    if case == "execfail":
        check(names[:2] == ["HEADER", "END"] and ends[0].int("reason") == lglog.END_REASONS["exec"],
              "execfail: the child's log starts HEADER, END(exec) (%s)" % names[:3])
        check(sum(n == "LOCK" for n in names) == plocks + 1 and names[-1] == "END"
              and ends[-1].int("reason") == lglog.END_REASONS["exit"],
              "execfail: then the parent's %d locks, the new one and END(exit) (%d LOCK)"
              % (plocks, sum(n == "LOCK" for n in names)))
        return
    if case == "newlock":
        check(sum(n == "LOCK" for n in names) == plocks + 1,
              "newlock: the child's log defines the parent's %d locks and its own (%d)"
              % (plocks, sum(n == "LOCK" for n in names)))
        for kind in ("THREAD", "EDGE", "CONTEXT", "MODULE"):
            check(sum(n == kind for n in names) >= sum(r.name == kind for r in plog.records),
                  "newlock: the child's log has every %s of the parent's" % kind)
        rep = subprocess.run([a.lockgraph, "report", "--format", "json", forked[0]],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             universal_newlines=True, timeout=120)
        kinds = []
        if rep.stdout.startswith("{"):
            kinds = [f.get("kind") for f in json.loads(rep.stdout).get("findings", [])]
        check("lock-order-inversion" in kinds,
              "newlock: the report of the child's log alone has the parent's inversion (%r)"
              % rep.stderr[-300:])
        return
    history = sorted(set(names) & HISTORY)
    check(not history, "%s: the child's log has no history (found %s)" % (case, history))
    check(names[0] == "HEADER" and len(ends) == 1 and names[-1] == "END",
          "%s: the child's log is HEADER .. END (%s)" % (case, names))
    want = "exec" if case == "exec" else "exit"
    check(bool(ends) and ends[0].int("reason") == lglog.END_REASONS[want],
          "%s: it ends with END(%s)" % (case, want))
    size = os.path.getsize(forked[0])
    check(size < 1024, "%s: the child's log is %d bytes (the parent's %d)"
          % (case, size, os.path.getsize(parent[0])))
    if case == "exec":
        image = [pth for pth, lg in logs.items() if header(lg) and header(lg).int("pid") == child
                 and not header(lg).int("flags") & 1]
        check(len(image) == 1 and logs[image[0]].how == "end",
              "exec: the exec'd /bin/true wrote a finished log of its own")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lockgraph", required=True)
    ap.add_argument("--shim", required=True)
    ap.add_argument("--prog", required=True)
    ap.add_argument("--case", choices=CASES)
    a = ap.parse_args()
    for case in [a.case] if a.case else CASES:
        with tempfile.TemporaryDirectory(prefix="lg-forklog-") as tmp:
            run_case(a, case, tmp)
    print("fork log: %d failure(s)" % len(failures))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
