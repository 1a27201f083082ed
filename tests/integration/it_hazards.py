#!/usr/bin/env python3
"""Live-hazard integration tests: tests/programs/hazard_*.c under the preloaded shim.

Usage:
  it_hazards.py --list
  it_hazards.py --shim LIB --bin-dir DIR [--lockgraph BIN] --case NAME [--keep]
  it_hazards.py --shim LIB --bin-dir DIR [--lockgraph BIN] --all [--keep]

Each case runs `LD_PRELOAD=LIB DIR/PROG ARGS` in a temporary directory with
LOCKGRAPH_OUTPUT=TMP/hz.%p.log and the case's LOCKGRAPH_* settings, under a hang guard
(RUN_TIMEOUT; the programs that hang by design must be ended by the shim long
before), then checks:
  1. the exit status (or the signal that ended the program);
  2. the program's own stdout: lines it must print (return codes of the calls it
     made, "finished" markers) and lines it must not reach;
  3. the live reports on stderr: how many findings of each kind (first lines
     `==lockgraph[PID]== <kind>: ...` from the program's pid), their flags, and for
     deadlocks the per-thread detail lines;
  4. the log(s), read through `lockgraph dump --format records` (lglog.py): each
     starts with "LOCKGRPH", is framed and CRC-checked record by record, begins with a HEADER of the right pid, holds one FINDING record per live
     finding (same kinds and flags) and ends with an END record of the expected
     reason;
  5. when --lockgraph is given: `lockgraph report --format json LOGS` has the same
     findings, a deadlock's `cycle` has the expected number of locks, and a correct
     program (the stress cases) has no finding at all.
Expectations come from what each program does (see its header comment), not from
what the tool printed.  Python standard library only.
"""

import argparse
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import json_schema  # tests/integration/json_schema.py: docs/json-report.schema.json
import lglog  # tests/integration/lglog.py: the drivers' one log reader

RUN_TIMEOUT = 60     # hang guard only: no case needs more than a few seconds
REPORT_TIMEOUT = 120
HANG_CHECK = 2       # LOCKGRAPH_ON_DEADLOCK=wait: still running this long after the report

KINDS = lglog.KINDS
KIND_CODE = lglog.KIND_CODE
FLAG_QUIET = lglog.FLAG_BITS["quiet"]
FLAG_BITS = {k: v for k, v in lglog.FLAG_BITS.items() if k != "quiet"}
FINDING_RE = re.compile(r"^==lockgraph\[(\d+)\]== (" + "|".join(map(re.escape, KINDS))
                        + r"): (.*?)(?: \[([a-z_, ]+)\])?$")
PREFIX_RE = re.compile(r"^==lockgraph\[(\d+)\]== ")
REC_HEADER, REC_THREAD_EXIT, REC_LOCK, REC_LOCK_RETIRE = 1, 6, 7, 8
REC_EDGE, REC_CHAIN, REC_FINDING, REC_STATS, REC_END = 9, 10, 12, 13, 14
END_EXIT, END_DEADLOCK = lglog.END_REASONS["exit"], lglog.END_REASONS["deadlock"]
END_EXEC = lglog.END_REASONS["exec"]


class Failure(Exception):
    pass


# ---------------------------------------------------------------------------------
# Expectations


class F:
    """count findings of kind, each with every flag in flags and none in noflags;
    summary: regex the text after `<kind>: ` must match (e.g. the kind of lock named);
    detail: regexes each matching a different detail line of the finding (deadlocks);
    nlocks: number of locks in the report's `cycle` (cycle kinds); report_count: how
    many the report lists, when it merges some (one fingerprint: same kind and code)."""

    def __init__(self, kind, count=1, flags=(), noflags=(), detail=(), nlocks=None,
                 summary=None, report_count=None):
        self.kind, self.count = kind, count
        self.report_count = report_count
        self.flags, self.noflags = set(flags), set(noflags)
        self.detail, self.nlocks = list(detail), nlocks
        self.summary = summary


class Case:
    def __init__(self, name, prog, args=(), env=None, exit=0, signal_=None, expect=(),
                 allow=(), stdout=(), no_stdout=(), end=END_EXIT, nlogs=1, check=None,
                 runs=1, clean=False, left_hanging=False, child_findings=False,
                 child_ends=(END_EXIT,)):
        self.name, self.prog, self.args = name, prog, list(args)
        self.env = dict(env or {})
        self.exit, self.signal = exit, signal_
        self.expect, self.allow = list(expect), set(allow)
        self.stdout, self.no_stdout = list(stdout), list(no_stdout)
        self.end, self.nlogs, self.check, self.runs = end, nlogs, check, runs
        self.clean = clean  # a correct program: no finding anywhere, report included
        # LOCKGRAPH_ON_DEADLOCK=wait: after the report the program must still hang;
        # the driver kills it HANG_CHECK seconds later
        self.left_hanging = left_hanging
        # findings come from fork children (their pids, their logs), not the program
        self.child_findings = child_findings
        self.child_ends = set(child_ends)  # END reasons a child's log may have


# a deadlock: per thread of the cycle, "thread N (...) waits for L.. while holding L.."
WAITS_HOLDING = r"^  thread \d+ .*waits for L\d+ \S+ .* while holding L\d+ .*, blocked at:$"
# a non-timed deadlock hangs for good: any other finding kind is a bug, except the
# inversion the shim may predict on the way in
DEADLOCK_NOFLAGS = {"timed", "orphaned", "join", "single_thread"}
# allowed besides: the inversion the shim may predict as the threads block, and the
# long holds of the locks the deadlocked threads hold (default threshold 1000 ms)
DEADLOCK_ALLOW = {"lock-order-inversion", "long-hold"}


def deadlock(nthreads, nlocks, detail, flags=(), noflags=None, **kw):
    """A `deadlock: N thread(s) ... blocked forever` report with N = nthreads (and as
    many per-thread lines), nlocks locks in the report's cycle."""
    if noflags is None:
        noflags = DEADLOCK_NOFLAGS - set(flags)
    summary = r"^%d threads? (?:is|are) blocked forever" % nthreads
    return F("deadlock", flags=flags, noflags=noflags, detail=detail, nlocks=nlocks,
             summary=summary, **kw)


def check_long_hold(run):
    """The still-held report came while the lock was held: before the marker the
    worker prints right after its unlock; the release report came after it."""
    lines = run.stderr_lines
    still = [i for i, l in enumerate(lines)
             if re.match(r"^==lockgraph\[\d+\]== long-hold: still held: L\d+ .* held for "
                         r"\d+ ms .*\[still_held\]$", l)]
    released = [i for i, l in enumerate(lines)
                if re.match(r"^==lockgraph\[\d+\]== long-hold: released after a long "
                            r"hold: L\d+ .* held for \d+ ms ", l)]
    marker = [i for i, l in enumerate(lines) if l == "hazard: released"]
    if len(marker) != 1:
        raise Failure("the program's 'hazard: released' marker appears %d times on stderr"
                      % len(marker))
    if len(still) != 1 or len(released) != 1:
        raise Failure("expected one `long-hold: still held: ... [still_held]` line and one "
                      "`long-hold: released after a long hold:` line, got %d and %d"
                      % (len(still), len(released)))
    if not still[0] < marker[0]:
        raise Failure("the still-held report (stderr line %d) came after the unlock "
                      "(marker at line %d): it was not reported live"
                      % (still[0] + 1, marker[0] + 1))
    if not still[0] < released[0]:
        raise Failure("the release report came before the still-held one")
    lock_s = re.search(r" (L\d+) ", lines[still[0]]).group(1)
    lock_r = re.search(r" (L\d+) ", lines[released[0]]).group(1)
    if lock_s != lock_r:
        raise Failure("the two long-hold reports name different locks: %s, %s"
                      % (lock_s, lock_r))
    ms_s = int(re.search(r"held for (\d+) ms", lines[still[0]]).group(1))
    ms_r = int(re.search(r"held for (\d+) ms", lines[released[0]]).group(1))
    if ms_s < 500:
        raise Failure("still-held report says %d ms, below the 500 ms threshold" % ms_s)
    if ms_r < ms_s:
        raise Failure("hold at release (%d ms) shorter than while held (%d ms)"
                      % (ms_r, ms_s))
    if run.report is not None:
        holds = [f for f in run.report if f.get("kind") == "long-hold"]
        if len(holds) != 1 or not isinstance(holds[0].get("hold_ms"), int) \
                or holds[0]["hold_ms"] < ms_s:
            raise Failure("report: expected one long-hold finding with hold_ms >= %d, got %s"
                          % (ms_s, json.dumps(holds)[:2000]))


def check_exit_held(run):
    """exit-held-lock in the report: the thread that ended (and where it was created),
    the lock's acquisition in the thread's start routine, how it ended; --fail-on and
    suppressions know the kind by name."""
    if run.report is None:
        return
    found = [f for f in run.report if f.get("kind") == "exit-held-lock"]
    for f in found:
        thread = f.get("thread") or {}
        if not thread.get("created_at"):
            raise Failure("exit-held-lock without the thread's creation stack: %r" % f)
        fns = [fr.get("function") or "" for fr in f.get("stack") or []]
        if not any("_holding" in fn for fn in fns):
            raise Failure("exit-held-lock's stack does not name the acquiring routine: %r"
                          % fns)
        if "still holding" not in (f.get("detail") or ""):
            raise Failure("exit-held-lock without the shim's detail: %r" % f)
    logs = [l.path for l in run.logs]

    def status(*extra):
        return subprocess.run([run.lockgraph, "report"] + list(extra) + logs, cwd=run.tmp,
                              env=clean_env(), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=REPORT_TIMEOUT).returncode
    if status("--fail-on", "exit-held-lock") != 1 or status("--fail-on", "deadlock") != 0:
        raise Failure("--fail-on does not select exit-held-lock by name")
    sup = os.path.join(run.tmp, "exit_held.supp")
    with open(sup, "w") as fh:
        fh.write("exit-held-lock:function:*_holding*\n")
    if status("--suppressions", sup) != 0:
        raise Failure("a suppression of kind exit-held-lock leaves the run failing")


def check_fork_logs(run):
    """One log per process: the parent's (not forked) and each child's (forked)."""
    parent = [l for l in run.logs if l.pid == run.pid]
    children = [l for l in run.logs if l.pid != run.pid]
    if len(parent) != 1:
        raise Failure("expected one log of the parent pid %d, got %d" % (run.pid, len(parent)))
    if parent[0].forked:
        raise Failure("the parent's log says it is a fork child")
    for l in children:
        if not l.forked or l.ppid != run.pid:
            raise Failure("%s: child log with forked=%s ppid=%s (parent %d)"
                          % (l.path, l.forked, l.ppid, run.pid))


ABBA_DETAIL = [WAITS_HOLDING, WAITS_HOLDING]
SLOW_ENV = {"LOCKGRAPH_HOLD_THRESHOLD_MS": "0"}
# stress runs hold no lock for long, but a loaded machine may preempt a holder for a
# second: long holds are not what these cases test
STRESS_ENV = {"LOCKGRAPH_HOLD_THRESHOLD_MS": "0"}

CASES = [
    # ---- real deadlocks, ended by the shim ----
    Case("abba", "hazard_abba", exit=86, end=END_DEADLOCK, allow=DEADLOCK_ALLOW,
         expect=[deadlock(2, 2, ABBA_DETAIL)],
         stdout=["abba: starting"], no_stdout=["abba: finished"]),
    Case("abba_on_deadlock_abort", "hazard_abba", env={"LOCKGRAPH_ON_DEADLOCK": "abort"},
         exit=None, signal_=signal.SIGABRT, end=END_DEADLOCK,
         allow=DEADLOCK_ALLOW, expect=[deadlock(2, 2, ABBA_DETAIL)],
         stdout=["abba: starting"], no_stdout=["abba: finished"]),
    Case("abba_deadlock_exitcode_42", "hazard_abba",
         env={"LOCKGRAPH_DEADLOCK_EXITCODE": "42"}, exit=42, end=END_DEADLOCK,
         allow=DEADLOCK_ALLOW, expect=[deadlock(2, 2, ABBA_DETAIL)],
         stdout=["abba: starting"], no_stdout=["abba: finished"]),
    Case("abba_on_deadlock_wait", "hazard_abba", env={"LOCKGRAPH_ON_DEADLOCK": "wait"},
         left_hanging=True, end=None, allow=DEADLOCK_ALLOW,
         expect=[deadlock(2, 2, ABBA_DETAIL)],
         stdout=["abba: starting"], no_stdout=["abba: finished"]),
    Case("ring3", "hazard_ring", exit=86, end=END_DEADLOCK, allow=DEADLOCK_ALLOW,
         expect=[deadlock(3, 3, [WAITS_HOLDING] * 3)], no_stdout=["ring: finished"]),
    Case("rwlock_writers", "hazard_rwlock_writers", exit=86, end=END_DEADLOCK,
         allow=DEADLOCK_ALLOW,
         expect=[deadlock(2, 2, [WAITS_HOLDING.replace(r"\S+", "rwlock")] * 2)],
         no_stdout=["rwlock writers: finished"]),
    Case("cond_reacquire", "hazard_cond_reacquire", exit=86, end=END_DEADLOCK,
         allow=DEADLOCK_ALLOW, expect=[deadlock(2, 2, ABBA_DETAIL)],
         no_stdout=["cond reacquire: finished"]),
    Case("join_holding_lock", "hazard_join", exit=86, end=END_DEADLOCK, allow={"long-hold"},
         expect=[deadlock(2, 1, [
             r"^  thread \d+ .*waits in pthread_join for the next thread while holding L\d+ ",
             r"^  thread \d+ .*waits for L\d+ mutex .*, blocked at:$"], flags=["join"])],
         stdout=["join: main holds L"], no_stdout=["join: finished"]),
    # the owner's end is reported first (exit-held-lock), then main's wait for L
    Case("orphaned_lock", "hazard_orphan", exit=86, end=END_DEADLOCK, allow={"long-hold"},
         expect=[deadlock(1, 1, [r"^  thread \d+ .*waits for L\d+ mutex [^,]*, blocked at:$"],
                          flags=["orphaned"]),
                 F("exit-held-lock", summary=r"^thread returned from its start routine still "
                                             r"holding L\d+ mutex ")],
         stdout=["orphan: the owner of L has exited"], no_stdout=["orphan: finished"]),
    Case("timed_cycle", "hazard_timed_cycle", exit=0, allow=DEADLOCK_ALLOW,
         expect=[deadlock(2, 2, ABBA_DETAIL, flags=["timed"])],
         stdout=["timed cycle: timedlock returned 110", "timed cycle: lock returned 0",
                 "timed cycle: finished"]),

    # ---- self-deadlocks ----
    Case("self_deadlock_mutex", "hazard_self_deadlock", ["mutex"], exit=86, end=END_DEADLOCK,
         expect=[F("self-deadlock", noflags={"timed"}, summary=r"\bL\d+ mutex ")],
         stdout=["self mutex: locked once"], no_stdout=["self mutex: relock returned"]),
    Case("self_deadlock_spin", "hazard_self_deadlock", ["spin"], exit=86, end=END_DEADLOCK,
         expect=[F("self-deadlock", noflags={"timed"}, summary=r"\bL\d+ spinlock ")],
         stdout=["self spin: locked once"], no_stdout=["self spin: relock returned"]),
    Case("self_deadlock_rwlock_upgrade", "hazard_self_deadlock", ["rwlock"], exit=86,
         end=END_DEADLOCK,
         expect=[F("self-deadlock", noflags={"timed"}, summary=r"\bL\d+ rwlock ")],
         stdout=["self rwlock: read-locked"], no_stdout=["self rwlock: relock returned"]),
    Case("errorcheck_relock_edeadlk", "hazard_relock_returns", ["errorcheck"],
         expect=[F("self-deadlock", noflags={"timed"}, summary=r"\bL\d+ mutex ")],
         stdout=["relock: errorcheck relock returned 35",
                 "relock: finished"]),
    Case("trylock_on_held_no_finding", "hazard_relock_returns", ["trylock"],
         stdout=["relock: mutex trylock on held returned 16",
                 "relock: spin trylock on held returned 16",
                 "relock: rwlock trywrlock on read-held returned 16",
                 "relock: finished"]),
    Case("timed_relock", "hazard_relock_returns", ["timed"],
         expect=[F("self-deadlock", flags={"timed"}, summary=r"\bL\d+ mutex ")],
         stdout=["relock: timed relock returned 110", "relock: finished"]),

    # ---- misuse ----
    Case("bad_unlock_unlocked_mutex", "hazard_bad_unlock", ["unlocked", "mutex"],
         expect=[F("bad-unlock", noflags={"not_owner"}, summary=r"\bL\d+ mutex ")],
         stdout=["bad unlock: mutex unlock returned 0", "bad unlock: finished"]),
    Case("bad_unlock_not_owner_mutex", "hazard_bad_unlock", ["not-owner", "mutex"],
         expect=[F("bad-unlock", flags={"not_owner"}, summary=r"\bL\d+ mutex ")],
         stdout=["bad unlock: mutex unlock returned 0", "bad unlock: mutex relock returned 0",
                 "bad unlock: finished"]),
    Case("bad_unlock_unlocked_spin", "hazard_bad_unlock", ["unlocked", "spin"],
         expect=[F("bad-unlock", noflags={"not_owner"}, summary=r"\bL\d+ spinlock ")],
         stdout=["bad unlock: spin unlock returned 0", "bad unlock: finished"]),
    Case("bad_unlock_not_owner_spin", "hazard_bad_unlock", ["not-owner", "spin"],
         expect=[F("bad-unlock", flags={"not_owner"}, summary=r"\bL\d+ spinlock ")],
         stdout=["bad unlock: spin unlock returned 0", "bad unlock: spin relock returned 0",
                 "bad unlock: finished"]),
    Case("destroy_locked_mutex", "hazard_destroy_locked", ["mutex"],
         expect=[F("destroy-locked", summary=r"\bL\d+ mutex ")],
         stdout=["destroy: held mutex destroy returned 16",
                 "destroy: unlocked mutex destroy returned 0", "destroy: finished"]),
    Case("destroy_locked_rwlock", "hazard_destroy_locked", ["rwlock"],
         expect=[F("destroy-locked", summary=r"\bL\d+ rwlock ")],
         stdout=["destroy: read-held rwlock destroy returned 0", "destroy: finished"]),
    Case("destroy_locked_spin", "hazard_destroy_locked", ["spin"],
         expect=[F("destroy-locked", summary=r"\bL\d+ spinlock ")],
         stdout=["destroy: held spinlock destroy returned 0", "destroy: finished"]),

    # ---- condition waits with a mutex the caller does not hold ----
    Case("cond_wait_held_silent", "hazard_bad_cond_wait", ["held"], clean=True,
         stdout=["cond wait: held wait returned 110", "cond wait: finished"]),
    Case("cond_wait_unheld", "hazard_bad_cond_wait", ["unheld"],
         expect=[F("bad-cond-wait", noflags={"not_owner", "not_mutex"},
                   summary=r"\bL\d+ mutex ")],
         stdout=["cond wait: unheld wait returned 110",
                 "cond wait: unlock after the wait returned 0", "cond wait: finished"]),
    # the helper's hold ended when main's wait began: no long hold of it (it was
    # reported, 1.5 s, before the model followed glibc), and its unlock finds the
    # mutex unlocked
    Case("cond_wait_other_owner", "hazard_bad_cond_wait", ["other"],
         env={"LOCKGRAPH_HOLD_THRESHOLD_MS": "500"},
         expect=[F("bad-cond-wait", flags={"not_owner"}, summary=r"\bL\d+ mutex "),
                 F("bad-unlock", noflags={"not_owner"}, summary=r"\bL\d+ mutex ")],
         stdout=["cond wait: other wait returned 110",
                 "cond wait: unlock after the wait returned 0",
                 "cond wait: helper unlock returned 0 (after main's wait: 1)",
                 "cond wait: finished"]),
    Case("cond_wait_rwlock", "hazard_bad_cond_wait", ["rwlock"],
         expect=[F("bad-cond-wait", flags={"not_mutex"}, summary=r"\bL\d+ rwlock ")],
         stdout=["cond wait: rwlock wait returned 110", "cond wait: finished"]),

    # ---- use of a destroyed lock ----
    Case("use_after_destroy_mutex_lock", "hazard_use_after_destroy", ["mutex-lock"],
         expect=[F("use-after-destroy", summary=r"^lock of a destroyed lock: L\d+ mutex ")],
         stdout=["destroy use: mutex-lock returned 22", "destroy use: finished"]),
    Case("use_after_destroy_mutex_unlock", "hazard_use_after_destroy", ["mutex-unlock"],
         expect=[F("use-after-destroy", summary=r"^unlock of a destroyed lock: L\d+ mutex ")],
         stdout=["destroy use: mutex-unlock returned 22", "destroy use: finished"]),
    Case("use_after_destroy_mutex_destroy", "hazard_use_after_destroy", ["mutex-destroy"],
         expect=[F("use-after-destroy", summary=r"^destroy of a destroyed lock: L\d+ mutex ")],
         stdout=["destroy use: mutex-destroy returned 0", "destroy use: finished"]),
    Case("use_after_destroy_mtx", "hazard_use_after_destroy", ["mtx-lock"],
         expect=[F("use-after-destroy", summary=r"^lock of a destroyed lock: L\d+ mtx ")],
         stdout=["destroy use: mtx-lock returned 2", "destroy use: finished"]),
    Case("use_after_destroy_rwlock", "hazard_use_after_destroy", ["rwlock-lock"],
         expect=[F("use-after-destroy", summary=r"^lock of a destroyed lock: L\d+ rwlock ")],
         stdout=["destroy use: rwlock-lock returned 0", "destroy use: finished"]),
    Case("use_after_destroy_spin", "hazard_use_after_destroy", ["spin-lock"],
         expect=[F("use-after-destroy", summary=r"^lock of a destroyed lock: L\d+ spinlock ")],
         stdout=["destroy use: spin-lock returned 0", "destroy use: finished"]),
    Case("destroy_reinit_silent", "hazard_use_after_destroy", ["reinit"], clean=True,
         stdout=["destroy use: reinit done", "destroy use: finished"]),
    Case("destroy_assign_silent", "hazard_use_after_destroy", ["assign"], clean=True,
         stdout=["destroy use: assign done", "destroy use: finished"]),
    Case("destroy_free_reuse_silent", "hazard_use_after_destroy", ["reuse"], clean=True,
         stdout=["destroy use: same address 1", "destroy use: new spin lock returned 0",
                 "destroy use: finished"]),

    # ---- fork while another thread holds a lock ----
    Case("fork_held_lock", "hazard_fork_held", ["other"], nlogs=2, child_findings=True,
         expect=[F("fork-held-lock", summary=r"\bL\d+ mutex ")], check=check_fork_logs,
         stdout=["fork held: child timedlock returned 110", "fork held: child exit 0",
                 "fork held: finished"]),
    Case("fork_held_rwlock_write", "hazard_fork_held", ["rdwr"], nlogs=2,
         child_findings=True, check=check_fork_logs,
         expect=[F("fork-held-lock", summary=r"\bL\d+ rwlock ")],
         stdout=["fork held: child rdlock returned 0",
                 "fork held: child timedwrlock returned 110", "fork held: finished"]),
    # logs: the parent's, the child's until its exec, /bin/true's
    Case("fork_held_child_execs_silent", "hazard_fork_held", ["exec"], nlogs=3, clean=True,
         child_ends=(END_EXIT, END_EXEC),
         stdout=["fork held: child exit 0", "fork held: finished"]),
    Case("fork_held_child_never_takes_silent", "hazard_fork_held", ["never"], nlogs=2,
         clean=True, check=check_fork_logs,
         stdout=["fork held: child took the other lock", "fork held: finished"]),
    Case("fork_own_lock_silent", "hazard_fork_held", ["own"], nlogs=2, clean=True,
         check=check_fork_logs,
         stdout=["fork held: child relocked main's lock", "fork held: finished"]),

    # ---- a thread that ends holding a lock ----
    Case("exit_held_return", "hazard_exit_held", ["return"], check=check_exit_held,
         expect=[F("exit-held-lock", summary=r"^thread returned from its start routine still "
                                             r"holding L\d+ mutex ")],
         stdout=["exit held: trylock after the end returned 16", "exit held: finished"]),
    # both leaks are in one routine: one fingerprint, one report entry (2 occurrences)
    Case("exit_held_pthread_exit", "hazard_exit_held", ["exit"], check=check_exit_held,
         expect=[F("exit-held-lock", count=2, report_count=1,
                   summary=r"^thread ended \(pthread_exit or cancellation\) still holding "
                           r"L\d+ (mutex|rwlock) ")],
         stdout=["exit held: trylock after the end returned 16",
                 "exit held: trywrlock after the end returned 16", "exit held: finished"]),
    Case("exit_held_cancelled", "hazard_exit_held", ["cancel"], check=check_exit_held,
         expect=[F("exit-held-lock", summary=r"^thread ended \(pthread_exit or cancellation\) "
                                             r"still holding L\d+ mutex ")],
         stdout=["exit held: cancelled 1", "exit held: trylock after the end returned 16",
                 "exit held: finished"]),
    Case("exit_held_cleanup_silent", "hazard_exit_held", ["cleanup"], clean=True,
         stdout=["exit held: cancelled 1", "exit held: trylock after the end returned 0",
                 "exit held: finished"]),
    # main's unlock ended the thread's hold (glibc lets a normal mutex go)
    Case("exit_held_released_by_other", "hazard_exit_held", ["released"],
         expect=[F("bad-unlock", flags={"not_owner"}, summary=r"\bL\d+ mutex ")],
         stdout=["exit held: main unlock returned 0",
                 "exit held: trylock after the end returned 0", "exit held: finished"]),
    Case("exit_held_process_end_silent", "hazard_exit_held", ["process"], clean=True,
         stdout=["exit held: main returns", "exit held: finished"]),
    Case("exit_held_exit_from_thread_silent", "hazard_exit_held", ["thread-exit"], exit=3,
         clean=True, stdout=["exit held: worker calls exit(3)"]),

    # ---- long holds, and long waits that are no deadlock ----
    Case("long_hold_live", "hazard_long_hold", env={"LOCKGRAPH_HOLD_THRESHOLD_MS": "500"},
         expect=[F("long-hold", count=2)], stdout=["long hold: finished"],
         check=check_long_hold),
    # the waiter does not hold the mutex inside pthread_cond_wait: no long-hold either
    Case("condvar_wait_3s", "hazard_no_deadlock", ["condwait"],
         env={"LOCKGRAPH_HOLD_THRESHOLD_MS": "500"}, stdout=["no deadlock: finished"]),
    Case("slow_critical_section_3s", "hazard_no_deadlock", ["slow"], env=SLOW_ENV,
         stdout=["no deadlock: finished"]),
    # the same with the default hold threshold: long holds reported, still no deadlock
    Case("slow_critical_section_3s_long_hold", "hazard_no_deadlock", ["slow"],
         allow={"long-hold"}, stdout=["no deadlock: finished"]),

    # ---- stress: correct programs, nothing to report ----
    Case("stress_threads", "hazard_stress_threads", env=STRESS_ENV, clean=True,
         stdout=[re.compile(r"^stress threads: ok, 64 threads x \d+ iterations")]),
    Case("stress_fork", "hazard_stress_fork", env=STRESS_ENV, clean=True, nlogs=11,
         stdout=["stress fork: ok, 10 children"], check=check_fork_logs),
    Case("stress_fork_lock_parked", "hazard_stress_fork", ["parked"], env=STRESS_ENV,
         clean=True, nlogs=11, stdout=["stress fork: ok, 10 children"],
         check=check_fork_logs),
    Case("stress_dlopen", "hazard_stress_dlopen", env=STRESS_ENV, clean=True,
         stdout=["stress dlopen: ok"]),
    Case("stress_exit_from_main", "hazard_stress_exit", ["main"], env=STRESS_ENV,
         clean=True, stdout=["stress exit: exiting"], runs=5),
    Case("stress_exit_from_thread", "hazard_stress_exit", ["thread"], env=STRESS_ENV,
         clean=True, stdout=["stress exit: exiting"], runs=5),
]


# ---------------------------------------------------------------------------------
# Log reader: `lockgraph dump --format records` (lglog.py); HEADER, FINDING, END and
# the lock ids records name


def lock_refs(rec):
    """Lock ids a record names without defining them (docs/log-format.md)."""
    if rec.type == REC_THREAD_EXIT:
        return [i[0] for i in rec.items("locks")]
    if rec.type == REC_LOCK_RETIRE:
        return [rec.int("lock_id")]
    if rec.type == REC_EDGE:
        return [rec.int("from_lock"), rec.int("to_lock")]
    if rec.type == REC_CHAIN:               # {lock_id, mode}
        return [i[0] for i in rec.items("locks")]
    if rec.type == REC_FINDING:             # {thread, lock, other_lock, stack, other_stack, mode}
        return [x for i in rec.items("items") for x in i[1:3] if x]
    if rec.type == REC_STATS:               # {lock_id, 6 counters}
        return [i[0] for i in rec.items("items")]
    return []


class Log:
    def __init__(self, path, lockgraph):
        self.path = path
        self.pid = self.ppid = None
        self.forked = False
        self.findings = []      # (kind code, flags)
        self.end_reason = None
        try:
            log = lglog.Log(lockgraph, path)
        except ValueError as e:  # not a log, no file header, a corrupt record
            raise Failure("%s: %s" % (path, e))
        nrec, locks = 0, set()
        for rec in log.records:
            nrec = self._record(path, nrec, locks, rec)
        if log.how == "torn":
            raise Failure("%s: torn record at offset %d (%s)" % (path, log.offset, log.warning))
        if nrec == 0:
            raise Failure("%s: no record after the file header" % path)

    def _record(self, path, nrec, locks, rec):
        if nrec == 0 and rec.type != REC_HEADER:
            raise Failure("%s: first record has type %d, not HEADER" % (path, rec.type))
        if self.end_reason is not None:
            raise Failure("%s: record of type %d after the END record" % (path, rec.type))
        undefined = sorted(set(lock_refs(rec)) - locks)
        if undefined:
            raise Failure("%s: record of type %d at offset %d names lock id(s) %s before "
                          "any LOCK record defines them (log-format invariant)"
                          % (path, rec.type, rec.off, undefined))
        if rec.type == REC_HEADER:
            self.pid, self.ppid = rec.int("pid"), rec.int("ppid")
            self.forked = bool(rec.int("flags") & 1)
        elif rec.type == REC_LOCK:
            locks.add(rec.int("lock_id"))
        elif rec.type == REC_FINDING:
            self.findings.append((rec.int("kind"), rec.int("flags")))
        elif rec.type == REC_END:
            self.end_reason = rec.int("reason")
        return nrec + 1


# ---------------------------------------------------------------------------------
# Running and checking


class Run:
    pass


def clean_env():
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("LOCKGRAPH_") and k != "LD_PRELOAD"}
    env["LC_ALL"] = "C"
    return env


def no_core_dumps():
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def status_text(rc):
    return "killed by signal %d" % -rc if rc < 0 else "exit status %d" % rc


def live_findings(lines, pid, any_pid=False):
    """[(kind, summary, flags, detail lines)] of the live reports of pid (of every
    process when any_pid)."""
    out = []
    for line in lines:
        m = FINDING_RE.match(line)
        if m:
            if any_pid:
                pid = int(m.group(1))
            if int(m.group(1)) != pid:
                raise Failure("live finding from pid %s, expected %d: %s"
                              % (m.group(1), pid, line))
            flags = set(x.strip() for x in m.group(4).split(",")) if m.group(4) else set()
            out.append([m.group(2), m.group(3), flags, []])
            continue
        m = PREFIX_RE.match(line)
        if m and out and int(m.group(1)) == pid:
            out[-1][3].append(line[m.end():])
    return out


WAIT_LINE_RE = re.compile(r"^  thread (\d+) .*?(?:waits for (L\d+) |waits in pthread_join)"
                          r"(?:.*? while holding (L\d+) )?")


def consistent_cycle(detail):
    """The per-thread lines of a deadlock describe one cycle: distinct threads, and
    each lock waited for is held by another thread of the report (an orphaned lock's
    owner is gone: then nobody in the report holds it)."""
    waits = [WAIT_LINE_RE.match(d) for d in detail]
    waits = [m for m in waits if m]
    if not waits:
        return False
    threads = [m.group(1) for m in waits]
    if len(set(threads)) != len(threads):
        return False
    held = {m.group(3): m.group(1) for m in waits if m.group(3)}
    for m in waits:
        lock = m.group(2)
        if lock and lock in held and held[lock] == m.group(1):
            return False            # waits for a lock it holds itself
    if len(waits) > 1:              # a cycle: every wait is on a lock held in the report
        return all(held.get(m.group(2)) for m in waits if m.group(2))
    return True


def matches(f, e):
    kind, _summary, flags, detail = f
    if kind != e.kind or not e.flags <= flags or e.noflags & flags:
        return False
    if e.summary and not re.search(e.summary, _summary):
        return False
    if kind == "deadlock":
        m = re.match(r"^(\d+) threads? (?:is|are) blocked forever", _summary)
        nwaits = sum(1 for d in detail if WAIT_LINE_RE.match(d))
        if not m or int(m.group(1)) != nwaits or not consistent_cycle(detail):
            return False
    free = list(detail)
    for rx in e.detail:
        hit = next((d for d in free if re.search(rx, d)), None)
        if hit is None:
            return False
        free.remove(hit)
    return True


def brief(findings, limit=8):
    text = "; ".join("%s: %s%s" % (k, s, " [%s]" % ", ".join(sorted(fl)) if fl else "")
                     for k, s, fl, _ in findings[:limit])
    if len(findings) > limit:
        text += "; ... %d more" % (len(findings) - limit)
    return "%d: %s" % (len(findings), text)


def check_live(case, findings):
    remaining = list(findings)
    for e in case.expect:
        good = [f for f in remaining if matches(f, e)]
        if len(good) != e.count:
            raise Failure("expected %d live `%s:` finding(s) with flags %s, without %s%s; "
                          "matching: %d; all live findings: %s"
                          % (e.count, e.kind, sorted(e.flags), sorted(e.noflags),
                             " and detail lines %s" % e.detail if e.detail else "",
                             len(good), brief(findings)))
        for f in good:
            remaining.remove(f)
    extra = [f for f in remaining if f[0] not in case.allow]
    if extra:
        raise Failure("unexpected live finding(s): %s" % brief(extra))


def check_stdout(case, out):
    lines = out.splitlines()
    for want in case.stdout:
        if isinstance(want, str):
            ok = want in lines
        else:
            ok = any(want.search(l) for l in lines)
        if not ok:
            raise Failure("stdout lacks the line %r" % getattr(want, "pattern", want))
    for bad in case.no_stdout:
        if any(l.startswith(bad) for l in lines):
            raise Failure("stdout has %r: the program got past the point where it must "
                          "hang or stop" % bad)


def check_logs(run, case, live):
    paths = sorted(os.path.join(run.tmp, n) for n in os.listdir(run.tmp)
                   if n.startswith("hz.") and ".log" in n)
    if len(paths) != case.nlogs:
        raise Failure("%d log file(s) in %s, expected %d: %s"
                      % (len(paths), run.tmp, case.nlogs, [os.path.basename(p) for p in paths]))
    run.logs = [Log(p, run.dumper) for p in paths]
    mine = [l for l in run.logs if l.pid == run.pid]
    if len(mine) != 1:
        raise Failure("no log (or several) whose HEADER has the program's pid %d: %s"
                      % (run.pid, [(l.path, l.pid) for l in run.logs]))
    for log in run.logs:
        want = case.end if log.pid == run.pid else END_EXIT
        if log.pid != run.pid and log.end_reason in case.child_ends:
            continue
        if log.end_reason != want:
            if want is None:
                raise Failure("%s: END record (reason %s) from a process that was left "
                              "hanging and killed" % (os.path.basename(log.path),
                                                      log.end_reason))
            raise Failure("%s: END reason %s, expected %d"
                          % (os.path.basename(log.path), log.end_reason, want))
    # Records flagged quiet were deliberately not printed (a long hold repeated at
    # an acquisition site already reported): every other record matches a live
    # report one to one.
    sources = run.logs if case.child_findings else mine
    logged = sorted(f for log in sources for f in log.findings if not f[1] & FLAG_QUIET)
    expected = []
    for kind, _s, flags, _d in live:
        bits = 0
        for fl in flags:
            bits |= FLAG_BITS.get(fl, 0)
        expected.append((KIND_CODE[kind], bits))
    if logged != sorted(expected):
        raise Failure("the log's FINDING records %s differ from the live reports %s "
                      "(as (kind code, flag bits))" % (logged, sorted(expected)))
    for log in run.logs:
        if log is not mine[0] and log.findings and not case.child_findings:
            raise Failure("%s: FINDING records %s in a child log"
                          % (log.path, log.findings))


def check_report(run, case):
    res = subprocess.run([run.lockgraph, "report", "--format", "json"]
                         + [l.path for l in run.logs], cwd=run.tmp, env=clean_env(),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         timeout=REPORT_TIMEOUT, check=False)
    if res.returncode not in (0, 1):
        raise Failure("lockgraph report exited with %d: %s"
                      % (res.returncode, res.stderr.decode(errors="replace")[-2000:]))
    try:
        doc = json.loads(res.stdout)
        findings = doc["findings"]
        assert isinstance(findings, list)
    except (ValueError, KeyError, TypeError, AssertionError):
        raise Failure("lockgraph report --format json: no findings array in %r"
                      % res.stdout[:2000])
    schema_errors = json_schema.errors(doc)
    if schema_errors:
        raise Failure("report JSON violates docs/json-report.schema.json:\n  %s"
                      % "\n  ".join(schema_errors[:20]))
    run.report = findings
    dump = json.dumps(findings, indent=1)[:6000]
    if case.clean and findings:
        raise Failure("report of a correct program has findings:\n%s" % dump)
    for e in case.expect:
        good = []
        for f in findings:
            flags = set(f.get("flags") or [])
            if f.get("kind") != e.kind or not e.flags <= flags or e.noflags & flags:
                continue
            if e.nlocks is not None:
                cycle = f.get("cycle")
                if not isinstance(cycle, list) or len(cycle) != e.nlocks:
                    continue
            good.append(f)
        # long holds are merged per lock and site in the report
        want = (e.report_count if e.report_count is not None
                else 1 if e.kind == "long-hold" else e.count)
        if len(good) != want:
            raise Failure("report: expected %d `%s` finding(s) with flags %s without %s%s, "
                          "got %d:\n%s" % (want, e.kind, sorted(e.flags), sorted(e.noflags),
                                           ", cycle of %d lock(s)" % e.nlocks
                                           if e.nlocks is not None else "", len(good), dump))
    kinds = {f.get("kind") for f in findings}
    allowed = {e.kind for e in case.expect} | case.allow
    if kinds - allowed:
        raise Failure("report: unexpected finding kind(s) %s:\n%s"
                      % (sorted(kinds - allowed), dump))


def watch_hanging(proc):
    """Waits for a live `deadlock:` report, then HANG_CHECK seconds more; returns
    (stdout, stderr, whether the program was still running), after killing it."""
    bufs = {"out": b"", "err": b""}

    def reader(name, f):
        for chunk in iter(lambda: f.read1(4096), b""):
            bufs[name] += chunk

    readers = [threading.Thread(target=reader, args=("out", proc.stdout)),
               threading.Thread(target=reader, args=("err", proc.stderr))]
    for r in readers:
        r.start()
    deadline = time.monotonic() + RUN_TIMEOUT
    seen = re.compile(rb"^==lockgraph\[\d+\]== deadlock: .*\n(==lockgraph.*\n)*", re.M)
    while proc.poll() is None and not seen.search(bufs["err"]):
        if time.monotonic() > deadline:
            raise subprocess.TimeoutExpired(proc.args, RUN_TIMEOUT)
        time.sleep(0.05)
    if proc.poll() is None:
        time.sleep(HANG_CHECK)
    still = proc.poll() is None
    if still:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    for r in readers:
        r.join()
    return bufs["out"], bufs["err"], still


def run_once(case, args, tmp):
    run = Run()
    run.tmp, run.lockgraph, run.report = tmp, args.lockgraph, None
    # logs are read through lockgraph even when the report is not checked
    run.dumper = args.lockgraph or os.path.join(args.bin_dir, "lockgraph")
    prog = os.path.join(args.bin_dir, case.prog)
    env = clean_env()
    env.update({"LD_PRELOAD": args.shim,
                "LOCKGRAPH_OUTPUT": os.path.join(tmp, "hz.%p.log")})
    env.update(case.env)
    cmd = [prog] + case.args
    proc = subprocess.Popen(cmd, cwd=tmp, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True, preexec_fn=no_core_dumps)
    run.pid = proc.pid
    run.still_running = None
    try:
        if case.left_hanging:
            out, err, run.still_running = watch_hanging(proc)
        else:
            out, err = proc.communicate(timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        raise Failure("hang: %s did not end within %d s\nstdout:\n%s\nstderr:\n%s"
                      % (" ".join(cmd), RUN_TIMEOUT, out.decode(errors="replace")[-2000:],
                         err.decode(errors="replace")[-4000:]))
    run.stdout = out.decode(errors="replace")
    run.stderr = err.decode(errors="replace")
    run.stderr_lines = run.stderr.splitlines()
    settings = " ".join("%s=%s" % kv for kv in sorted(case.env.items()))
    context = ("command: LD_PRELOAD=%s %s%s\n%s\nstdout:\n%s\nstderr (tail):\n%s"
               % (args.shim, settings + " " if settings else "", " ".join(cmd),
                  status_text(proc.returncode), run.stdout[-3000:], run.stderr[-6000:]))
    try:
        rc = proc.returncode
        if case.left_hanging:
            if not run.still_running:
                raise Failure("the program did not stay blocked after the deadlock report "
                              "(%s)" % status_text(rc))
        elif case.signal is not None:
            if rc != -case.signal:
                raise Failure("%s, expected to be killed by signal %d"
                              % (status_text(rc), case.signal))
        elif rc != case.exit:
            raise Failure("%s, expected exit status %d" % (status_text(rc), case.exit))
        check_stdout(case, run.stdout)
        live = live_findings(run.stderr_lines, run.pid, case.child_findings)
        if case.clean and live:
            raise Failure("live finding(s) from a correct program: %s"
                          % [(k, s) for k, s, _f, _d in live])
        check_live(case, live)
        check_logs(run, case, live)
        if args.lockgraph:
            check_report(run, case)
        if case.check:
            case.check(run)
    except Failure as e:
        raise Failure("%s\n---\n%s" % (e, context))


def run_case(case, args):
    for i in range(case.runs):
        tmp = tempfile.mkdtemp(prefix="lg-hz-%s-" % case.name)
        try:
            run_once(case, args, tmp)
        except Failure as e:
            if case.runs > 1:
                raise Failure("run %d of %d: %s" % (i + 1, case.runs, e))
            raise
        finally:
            if args.keep:
                print("kept %s" % tmp)
            else:
                shutil.rmtree(tmp, ignore_errors=True)
    print("PASS %s%s" % (case.name, "" if args.lockgraph else
                         " (stderr and log only: no --lockgraph, report not checked)"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--shim", help="liblockgraph.so")
    ap.add_argument("--bin-dir", help="where the hazard_* programs are")
    ap.add_argument("--lockgraph", help="the lockgraph executable (report checks)")
    ap.add_argument("--case")
    ap.add_argument("--all", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directories")
    args = ap.parse_args()
    names = [c.name for c in CASES]
    assert len(set(names)) == len(names), "duplicate case names"
    if args.list:
        print("\n".join(names))
        return 0
    if not args.shim or not args.bin_dir or not (args.case or args.all):
        ap.error("--shim, --bin-dir and --case (or --all) are required")
    args.shim = os.path.abspath(args.shim)
    args.bin_dir = os.path.abspath(args.bin_dir)
    if args.lockgraph:
        args.lockgraph = os.path.abspath(args.lockgraph)
    todo = CASES if args.all else [c for c in CASES if c.name == args.case]
    if not todo:
        print("unknown case %s" % args.case, file=sys.stderr)
        return 2
    failed = []
    for case in todo:
        try:
            for needed in (args.shim, os.path.join(args.bin_dir, case.prog)):
                if not os.path.exists(needed):
                    raise Failure("%s is missing (build the project first)" % needed)
            run_case(case, args)
        except Failure as e:
            failed.append(case.name)
            print("FAIL %s: %s" % (case.name, e))
    if args.all:
        print("%d/%d passed; failed: %s" % (len(todo) - len(failed), len(todo), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
