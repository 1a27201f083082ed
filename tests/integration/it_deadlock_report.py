#!/usr/bin/env python3
"""A real deadlock's report says everything about it in one place (issue 12):

* no long-hold report of a deadlocked thread's held lock is printed before the
  deadlock report, and none is recorded for it afterwards (the hold is part of the
  deadlock: "blocked for ..., holding L.. for ..." under each thread);
* the last live line names how lockgraph ended the process (status 86);
* the JSON edges of the deadlock carry the modes, `wait`, `waited_ms`, `held_ms`,
  and `timed` exactly on the edge of the thread whose wait has a timeout.

Programs: hazard_abba (plain ABBA), hazard_timed_cycle (one side timed),
hazard_cond_reacquire (a condvar re-acquire in the cycle), hazard_join (a join).
Default thresholds (deadlock 1000 ms, hold 1000 ms), where the holds of the
deadlocked threads cross the hold threshold before the deadlock is confirmed.

  it_deadlock_report.py --bin-dir BUILD/bin
Exit status 0 pass, 1 fail.
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

PREFIX = re.compile(r"^==lockgraph\[\d+\]== ")
failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
    return cond


def run(lockgraph, bindir, prog, tmp):
    out = os.path.join(tmp, prog + ".%p.log")
    p = subprocess.run([lockgraph, "run", "--output", out, "--",
                        os.path.join(bindir, prog)],
                       capture_output=True, text=True, timeout=120)
    lines = [PREFIX.sub("", l) for l in p.stderr.splitlines() if PREFIX.match(l)]
    logs = sorted(glob.glob(os.path.join(tmp, prog + ".*.log")))
    rep = subprocess.run([lockgraph, "report", "--format", "json"] + logs,
                         capture_output=True, text=True, timeout=120)
    return p, lines, json.loads(rep.stdout)


def deadlock_checks(prog, lines, doc, timed_threads, wait_kinds, holds_timed=True):
    kinds = [l.split(":", 1)[0] for l in lines if re.match(r"^[a-z-]+: ", l)]
    check("deadlock" in kinds, "%s: no live deadlock report: %s" % (prog, lines[:5]))
    if "deadlock" in kinds:
        before = kinds[:kinds.index("deadlock")]
        check("long-hold" not in before,
              "%s: a long hold was printed before the deadlock report: %s" % (prog, before))
    check(any(re.match(r"^    blocked for \d", l) for l in lines),
          "%s: no 'blocked for' line under the deadlocked threads" % prog)
    dl = [f for f in doc["findings"] if f["kind"] == "deadlock"]
    if not check(len(dl) == 1, "%s: expected 1 deadlock finding, got %d" % (prog, len(dl))):
        return
    edges = dl[0]["edges"]
    for e in edges:
        check(e.get("wait") in ("lock", "join", "cond"), "%s: edge without wait: %s" % (prog, e))
        check(isinstance(e.get("waited_ms"), (int, float)) and e["waited_ms"] >= 900,
              "%s: waited_ms below 900 ms (threshold 1000 ms less a tick): %s" % (prog, e.get("waited_ms")))
        if e["wait"] != "join":
            check(e["acquired_mode"] == "mutex", "%s: acquired_mode %s" % (prog, e["acquired_mode"]))
        if e["from"] is not None:
            check(e["held_mode"] == "mutex", "%s: held_mode %s" % (prog, e["held_mode"]))
            # a lock taken before the watchdog's clock ran has no hold time (null)
            if holds_timed or e.get("held_ms") is not None:
                check(isinstance(e.get("held_ms"), (int, float))
                      and e["held_ms"] >= e["waited_ms"],
                      "%s: held_ms %s < waited_ms %s" % (prog, e.get("held_ms"), e["waited_ms"]))
    timed = [e["timed"] for e in edges]
    check(timed.count(True) == timed_threads,
          "%s: expected %d timed edge(s), found %s" % (prog, timed_threads, timed))
    check(sorted(e["wait"] for e in edges) == sorted(wait_kinds),
          "%s: waits %s, expected %s" % (prog, sorted(e["wait"] for e in edges), wait_kinds))
    # the holds of the deadlocked threads are not long-hold findings of their own
    lh = [f for f in doc["findings"] if f["kind"] == "long-hold"]
    for f in lh:
        lock = f.get("lock") or {}
        for e in edges:
            if e["from"] is None:
                continue
            c = dl[0]["cycle"][e["from"]]
            check(lock.get("address") != c.get("address"),
                  "%s: the deadlocked thread's hold of %s is also a long-hold finding"
                  % (prog, c.get("address")))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir", required=True)
    a = ap.parse_args()
    lockgraph = os.path.join(a.bin_dir, "lockgraph")
    with tempfile.TemporaryDirectory(prefix="lg-dlrep-") as tmp:
        p, lines, doc = run(lockgraph, a.bin_dir, "hazard_abba", tmp)
        deadlock_checks("hazard_abba", lines, doc, 0, ["lock", "lock"])
        check(p.returncode == 86, "hazard_abba: exit %d, expected 86" % p.returncode)
        check(lines and re.match(r"^the deadlock policy ends the process with exit status 86\b",
                                 lines[-1]),
              "hazard_abba: last live line does not name the status: %s" % lines[-1:])

        p, lines, doc = run(lockgraph, a.bin_dir, "hazard_timed_cycle", tmp)
        deadlock_checks("hazard_timed_cycle", lines, doc, 1, ["lock", "lock"])
        check(p.returncode == 0, "hazard_timed_cycle: exit %d, expected 0" % p.returncode)
        check(not any(l.startswith("the deadlock policy ends") for l in lines),
              "hazard_timed_cycle: a timed deadlock must not end the process")
        check(not [f for f in doc["findings"] if f["kind"] == "long-hold"],
              "hazard_timed_cycle: both holds belong to the deadlock, yet long-hold findings: %s"
              % [f["message"] for f in doc["findings"] if f["kind"] == "long-hold"])

        p, lines, doc = run(lockgraph, a.bin_dir, "hazard_cond_reacquire", tmp)
        deadlock_checks("hazard_cond_reacquire", lines, doc, 0, ["cond", "lock"])

        p, lines, doc = run(lockgraph, a.bin_dir, "hazard_join", tmp)
        # main takes its lock before the first thread starts the watchdog's clock
        deadlock_checks("hazard_join", lines, doc, 0, ["join", "lock"], holds_timed=False)
    for f in failures:
        print("FAIL: " + f)
    print("deadlock report: %s" % ("FAIL" if failures else "ok"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
