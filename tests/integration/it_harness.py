#!/usr/bin/env python3
"""Integration tests: real programs under `lockgraph run`, verdicts asserted.

Usage:
  it_harness.py --list                         print the case names, one a line
  it_harness.py --bin-dir DIR --case NAME [--keep]
  it_harness.py --bin-dir DIR --all [--keep]   run every case (for humans)
  it_harness.py --bin-dir DIR --selftest       the harness must fail every case when
                                               the shim is not loaded, and every case
                                               with a finding when nothing is printed

For one case the driver
  1. runs `DIR/lockgraph run --output TMP/lg.%p.log OPTS -- PROG ARGS` in TMP under a
     hang guard (RUN_TIMEOUT seconds), capturing stdout, stderr and the exit status;
  2. checks the exit status (a signal or an unexpected status fails the case);
  3. reads every log the run wrote through `DIR/lockgraph dump --format records`
     (lglog.py; the shared decoder checks magic, version, record framing, CRC and
     that every payload decodes exactly): a HEADER
     first, LOCK records for the locks the program used, an END record.  A missing
     or empty log means the shim did not load or lost its output: failure;
  4. checks the live reports on stderr: each expected finding kind has a line
     `==lockgraph[PID]== <kind>: ...` from a traced process, and no other kind does;
  5. runs `DIR/lockgraph report --format json LOGS` and matches the findings against
     the case's expectations: kind, number of locks in the cycle, flags, and the
     program's own function names (with file and line) in the edges' stacks.
     Every finding must be expected (or explicitly allowed); every expectation must
     be met.

The expectations come from what each program does (see the header comment of each
program in demos/ and tests/programs/), never from what the tool printed.
Python standard library only.
"""

import argparse
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import json_schema  # tests/integration/json_schema.py: docs/json-report.schema.json
import lglog  # tests/integration/lglog.py: the drivers' one log reader

RUN_TIMEOUT = 60      # guards against a hang only; no case needs more than a few seconds
REPORT_TIMEOUT = 120

KINDS = lglog.KINDS
LIVE_RE = re.compile(r"^==lockgraph\[(\d+)\]== (" + "|".join(map(re.escape, KINDS)) + r"): ")

# Log format v1 (common/log_format.h)
REC_HEADER, REC_MODULE, REC_LOCK, REC_LOCK_RETIRE, REC_FINDING, REC_END = 1, 2, 7, 8, 12, 14
RETIRE_FREED, RETIRE_STACK = 3, 4
END_EXIT, END_DEADLOCK, END_EXEC = (lglog.END_REASONS[r] for r in ("exit", "deadlock", "exec"))


class Failure(Exception):
    pass


# --------------------------------------------------------------------------------
# Expectations


class Expect:
    """One expected finding (count: how many findings must match it).

    funcs: function names that must each appear in a different edge's acquisition
           stack (inversions, deadlocks), or anywhere in the finding (other kinds);
    src:   source file basename those frames must name (with a line > 0);
    nlocks: cycle length; flags / noflags: flags required / forbidden;
    module: substring that some frame's module must contain;
    distinct_threads: the edges' threads must be pairwise different;
    locks: identifiers that must each name a different lock of the cycle (the
           analyzer names locks in a module's data by their symbol);
    held_too: each edge's held_stack (where the held lock was taken) must also show
           the edge's function: in these programs the same function takes both."""

    def __init__(self, kind, count=1, nlocks=None, funcs=(), src=None, flags=(),
                 noflags=(), module=None, distinct_threads=False, locks=(), held_too=True,
                 fields=None):
        self.kind, self.count, self.nlocks = kind, count, nlocks
        self.locks, self.held_too = list(locks), held_too
        # other fields of the finding: name -> (description, predicate)
        self.fields = dict(fields or {})
        self.funcs, self.src, self.module = list(funcs), src, module
        self.flags, self.noflags = list(flags), list(noflags)
        self.distinct_threads = distinct_threads

    def describe(self):
        d = self.kind
        if self.nlocks:
            d += " with %d locks" % self.nlocks
        if self.funcs:
            d += " in %s" % "/".join(self.funcs)
        if self.flags:
            d += " flagged %s" % ",".join(self.flags)
        return d


def inversion(nlocks, funcs, src, **kw):
    """An inversion predicted from a run where nothing hung: one edge per thread."""
    kw.setdefault("noflags", ["single_thread", "timed", "cross_run", "budget"])
    kw.setdefault("distinct_threads", True)
    return Expect("lock-order-inversion", nlocks=nlocks, funcs=funcs, src=src, **kw)


class Case:
    def __init__(self, name, prog, args=(), opts=(), exit=0, expect=(), allow=(),
                 nlogs=1, min_locks=1, live=True, end_reason=END_EXIT, check=None,
                 filtered=None, more_runs=()):
        self.name, self.prog, self.args, self.opts = name, prog, list(args), list(opts)
        self.exit, self.expect, self.allow = exit, list(expect), list(allow)
        self.nlogs, self.min_locks, self.live = nlogs, min_locks, live
        self.end_reason, self.check = end_reason, check
        # cycles the analyzer must find and rule out, by rule (summary.filtered_by);
        # every rule not named must have filtered nothing
        self.filtered = dict(filtered or {})
        # argument lists of further runs of the same program (same options, same
        # output directory), one after the other, before the logs are examined
        self.more_runs = [list(r) for r in more_runs]


def one_hold_of(ms):
    """A long-hold finding for a single hold that lasted at least ms milliseconds."""
    return {"hold_ms": (">= %d (the program held the lock that long)" % ms,
                        lambda v: isinstance(v, int) and v >= ms),
            "count": ("1 (the lock was held too long once)", lambda v: v == 1)}


# Extra checks (called with the Run after the standard ones) -----------------------


def check_stdout_identical(run):
    """stdout under the tool == stdout without it == the documented text."""
    expected = "".join("line %d: the quick brown fox\n" % n for n in range(1, 201))
    expected += "puts line\nfputs line\nfwrite line\nxyz\nraw write\n"
    expected += "".join("thread %d line %d\n" % (t, k) for t in range(4) for k in range(50))
    expected += "end\n"
    plain = subprocess.run([run.prog_path], stdout=subprocess.PIPE, timeout=RUN_TIMEOUT,
                           env=clean_env(), check=False)
    if plain.stdout.decode() != expected:
        raise Failure("the program itself does not print the documented text "
                      "(test program bug)")
    if run.stdout != plain.stdout:
        raise Failure("stdout differs under lockgraph:\n%s" %
                      first_difference(plain.stdout, run.stdout))


PROGRAMS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "programs")


def source_line(src, marker):
    with open(os.path.join(PROGRAMS_DIR, src)) as f:
        for n, line in enumerate(f, 1):
            if marker in line:
                return n
    raise Failure("marker %r not found in %s (test program changed?)" % (marker, src))


def check_cond_reacquire_site(run):
    """The B -> M edge was made by the re-acquisition inside pthread_cond_wait: its
    acquisition stack points at the pthread_cond_wait line of waiter_holding_b()."""
    want = source_line("condvar.c", "re-takes M while B is held")
    findings = run.report([l.path for l in run.logs])
    lines = [fr.get("line") for f in findings for e in f.get("edges", [])
             for fr in e.get("stack", []) if fr.get("function") == "waiter_holding_b"]
    if want not in lines:
        raise Failure("no edge acquired at condvar.c:%d (pthread_cond_wait); waiter_holding_b "
                      "frames are at lines %s" % (want, lines))


def check_cross_run(run):
    """Each process saw one order only: nothing live, nothing in either log alone."""
    if run.live:
        raise Failure("live reports although no process saw both orders: %s" % run.live)
    for log in run.logs:
        match_findings(run.report([log.path]), [], [], "report of %s alone" % log.path)


def check_reuse_happened(run):
    """The program really reused the address, and the log shows two instances (two
    generations) at that address, the first retired for the right reason."""
    out = run.stdout.decode(errors="replace")
    for what in (run.case.args or ["stack", "heap"]):
        if "%s reused: yes" % what not in out:
            raise Failure("the %s address was not reused, the case proves nothing:\n%s"
                          % (what, out))
    log = run.logs[0]
    addrs = [a for a, _ in log.lock_instances]
    reused = [a for a in set(addrs) if addrs.count(a) >= 2]
    gens = sorted(g for a, g in log.lock_instances if a in reused)
    if len(reused) != 1 or len(set(gens)) != len(gens):
        raise Failure("expected two LOCK records (distinct generations) at one address, "
                      "got %s" % log.lock_instances)
    reason = RETIRE_STACK if run.case.args == ["stack"] else RETIRE_FREED
    if reason not in log.retire_reasons:
        raise Failure("no LOCK_RETIRE with reason %d in the log (reasons: %s)"
                      % (reason, log.retire_reasons))


def check_fork(run):
    """Two logs, the child's alone holds the inversion, the parent's alone nothing."""
    out = run.stdout.decode(errors="replace")
    m_parent = re.search(r"^parent (\d+)$", out, re.M)
    m_child = re.search(r"^child (\d+)$", out, re.M)
    if not (m_parent and m_child):
        raise Failure("the program did not print its pids:\n" + out)
    parent, child = int(m_parent.group(1)), int(m_child.group(1))
    by_pid = {log.pid: log for log in run.logs}
    if set(by_pid) != {parent, child}:
        raise Failure("expected one log for parent %d and one for child %d, got pids %s"
                      % (parent, child, sorted(by_pid)))
    if not by_pid[child].forked:
        raise Failure("the child's log HEADER lacks LG_HDRF_FORKED")
    if by_pid[child].ppid != parent:
        raise Failure("the child's log says ppid %d, expected %d" % (by_pid[child].ppid, parent))
    child_only = run.report([by_pid[child].path])
    match_findings(child_only, [inversion(2, ["child_worker_cd", "child_worker_dc"],
                                          "fork_child.c", locks=["lock_c", "lock_d"])], [], "report of the child's log")
    parent_only = run.report([by_pid[parent].path])
    match_findings(parent_only, [], [], "report of the parent's log")
    live_pids = {pid for pid, kind in run.live}
    if live_pids != {child}:
        raise Failure("live inversion report expected from the child %d only, got pids %s"
                      % (child, sorted(live_pids)))


def check_exec_traced(run):
    """Both images of the pid logged: the first ends by exec, the second is tp_abba."""
    pids = {log.pid for log in run.logs}
    if len(pids) != 1:
        raise Failure("exec keeps the pid, but the logs have pids %s" % sorted(pids))
    reasons = sorted(log.end_reason or 0 for log in run.logs)
    if reasons != [END_EXIT, END_EXEC]:
        raise Failure("expected one log ending by exec and one by exit, got END reasons %s"
                      " (0 = no END record)\n%s" % (reasons, [l.summary() for l in run.logs]))
    exes = [log.exe for log in run.logs if log.end_reason == END_EXIT]
    if not exes[0].endswith("tp_abba"):
        raise Failure("the exec'd image's log names exe %r, expected tp_abba" % exes[0])


def check_exec_untraced(run):
    out = run.stdout.decode(errors="replace")
    if "abba done" not in out:
        raise Failure("the exec'd program did not run:\n" + out)
    if run.logs[0].end_reason != END_EXEC:
        raise Failure("the only log should end with the exec (END reason 3), got %s"
                      % run.logs[0].end_reason)


def check_untraced_static(run):
    """The traced shell execs a static program: said live, in its log (UNTRACED
    before END exec), by the report (text and JSON), and by the run's status line."""
    static = os.path.join(run.bin_dir, "tp_static_hello")
    said = "%s was not traced: statically linked" % static
    out, err = run.stdout.decode(errors="replace"), run.stderr.decode(errors="replace")
    if "static hello" not in out:
        raise Failure("the static program did not run:\n" + out)
    if not re.search(r"^==lockgraph\[\d+\]== " + re.escape(said) + "$", err, re.M):
        raise Failure("no live line '%s' on stderr:\n%s" % (said, err))
    if not re.search(r"^lockgraph: exit status 9: " + re.escape(said) + r"; nothing was checked",
                     err, re.M):
        raise Failure("the run's status line does not name the untraced program:\n" + err)
    paths = [l.path for l in run.logs]
    text = run.tool(["report"] + paths).stdout.decode(errors="replace")
    if said not in text:
        raise Failure("the text report does not say '%s':\n%s" % (said, text))
    doc = json.loads(run.tool(["report", "--format", "json"] + paths).stdout)
    got = [u for i in doc["inputs"] for u in i.get("untraced", [])]
    if got != [{"path": static, "reason": "static", "message": said}]:
        raise Failure("JSON inputs[].untraced: %s" % got)
    dump = run.tool(["dump", "--format", "records"] + paths).stdout.decode(errors="replace")
    kinds = [l.split()[0] for l in dump.splitlines() if l.split()]
    if "UNTRACED" not in kinds or kinds.index("UNTRACED") > kinds.index("END"):
        raise Failure("the log has no UNTRACED record before its END:\n" + dump[-2000:])


def check_unseen_glib(run):
    """A GLib program with no lock lockgraph could see from libglib: the report says
    so (text and JSON inputs[].unseen_libraries), so its 0 findings is not a pass."""
    paths = [l.path for l in run.logs]
    doc = json.loads(run.tool(["report", "--format", "json"] + paths).stdout)
    notes = [u for i in doc["inputs"] for u in i.get("unseen_libraries", [])]
    if len(notes) != 1 or "libglib-2.0.so" not in notes[0]["path"] \
            or notes[0]["extent"] != "internal":
        raise Failure("JSON inputs[].unseen_libraries: %s" % notes)
    text = run.tool(["report"] + paths).stdout.decode(errors="replace")
    if notes[0]["message"] not in text or "recorded no lock from it" not in text:
        raise Failure("the text report does not note libglib:\n" + text)


def check_contention(run):
    """Four customers queued ~1.5 s behind the payer: the statistics of seats_lock
    show at least 4 contended acquisitions, a wait and a hold of more than 1 s (the
    exact duration is checked on the long-hold finding), and the text report's
    contention table lists seats_lock first."""
    paths = [l.path for l in run.logs]
    res = run.tool(["report", "--format", "json"] + paths)
    stats = [s for s in json.loads(res.stdout).get("statistics", [])
             if (s.get("lock") or {}).get("name") == "seats_lock"]
    if len(stats) != 1:
        raise Failure("expected one statistics entry for seats_lock, got %d" % len(stats))
    st = stats[0]
    if not (st.get("contended", 0) >= 4 and st.get("wait_max_ns", 0) >= 1e9
            and st.get("hold_max_ns", 0) >= 1e9):
        raise Failure("seats_lock statistics do not show the queue: %s"
                      % {k: v for k, v in st.items() if k != "lock"})
    res = run.tool(["report", "--format", "text"] + paths)
    text = res.stdout.decode(errors="replace")
    m = re.search(r"^Contention.*\n.*\n(.*)$", text, re.M)
    if not m or "seats_lock" not in m.group(1):
        raise Failure("the text report's contention table does not start with seats_lock:"
                      "\n" + text[-3000:])


def annotated_report(run):
    paths = [l.path for l in run.logs]
    return json.loads(run.tool(["report", "--format", "json"] + paths).stdout)


def check_annotated_kind(run):
    """The futex locks are reported as what they are: lock kind "annotated"."""
    kinds = {(s.get("lock") or {}).get("name"): (s.get("lock") or {}).get("kind")
             for s in annotated_report(run).get("statistics", [])}
    for name in ("fx_a", "fx_b"):
        if kinds.get(name) != "annotated":
            raise Failure("lock %s has kind %r, expected \"annotated\" (locks: %s)"
                          % (name, kinds.get(name), kinds))


def check_annotated_stats(run):
    """fx_a: taken by the holder and three waiters (4 acquisitions), the waiters
    blocked (3 contended), held 800 ms once (the statistics' hold time is measured
    with the shim's coarse tick: >= 700 ms; the long-hold finding checks the precise
    800), waited for more than 500 ms."""
    stats = [s for s in annotated_report(run).get("statistics", [])
             if (s.get("lock") or {}).get("name") == "fx_a"]
    if len(stats) != 1:
        raise Failure("expected one statistics entry for fx_a, got %d" % len(stats))
    st = stats[0]
    if not (st.get("acquisitions") == 4 and st.get("contended", 0) >= 3
            and st.get("hold_max_ns", 0) >= 7e8 and st.get("wait_max_ns", 0) >= 5e8):
        raise Failure("fx_a statistics do not show the queue: %s"
                      % {k: v for k, v in st.items() if k != "lock"})


def check_static_array_names(run):
    """static_array.c: the two elements of `pthread_mutex_t m[4]` are named by their
    index from the DWARF (m[1], m[3]), in the JSON locks and the text report's
    message and lock lines, not by symbol+offset (m+0x28, m+0x78)."""
    paths = [l.path for l in run.logs]
    findings = [f for f in run.report(paths) if f.get("kind") == "lock-order-inversion"]
    names = sorted(str((lk or {}).get("name")) for f in findings for lk in f.get("cycle") or [])
    if names != ["m[1]", "m[3]"]:
        raise Failure("JSON lock names %s, expected ['m[1]', 'm[3]']" % names)
    text = run.tool(["report"] + paths).stdout.decode(errors="replace")
    msg = re.search(r"lock-order inversion over 2 locks: (.*)$", text, re.M)
    if not msg or msg.group(1) not in ("mutex m[1] -> mutex m[3] -> mutex m[1]",
                                       "mutex m[3] -> mutex m[1] -> mutex m[3]"):
        raise Failure("the text report's message does not name mutex m[1] and mutex m[3]:\n"
                      + text[:3000])
    for want in ("mutex m[1]", "mutex m[3]"):
        if not re.search(r"^\s+L[01]: " + re.escape(want) + r" ", text, re.M):
            raise Failure("no lock line '%s' in the text report:\n%s" % (want, text[:3000]))
    if re.search(r"(?<![A-Za-z0-9_])m\+0x", text):
        raise Failure("the text report still names a lock m+0x...:\n" + text[:3000])


def check_deadlock_fast(run):
    if run.elapsed > 30:
        raise Failure("the deadlock took %.1f s to be ended (--deadlock-ms is 1000)"
                      % run.elapsed)


def sites(src, *edges):
    """A check that the report points at the program's own lines: for each (function,
    held marker, acquired marker), some edge of an inversion or deadlock shows that
    function at the acquired marker's line in its stack and at the held marker's line
    in its held_stack (the markers are comments on those lines of src)."""
    def check(run):
        findings = [f for f in run.report([l.path for l in run.logs])
                    if f.get("kind") in ("lock-order-inversion", "deadlock")]
        for func, held, acquired in edges:
            want = (source_line(src, held), source_line(src, acquired))
            got = [([fr.get("line") for fr in e.get("held_stack") or [] if fr.get("function") == func],
                    [fr.get("line") for fr in e.get("stack") or [] if fr.get("function") == func])
                   for f in findings for e in f.get("edges", [])]
            if not any(want[0] in h and want[1] in a for h, a in got):
                raise Failure("no edge of %s holding from %s:%d and acquiring at %s:%d; its "
                              "edges' (held, acquired) lines: %s"
                              % (func, src, want[0], src, want[1], got))
    return check


def both(*checks):
    def check(run):
        for c in checks:
            c(run)
    return check


def glib_deadlock(name, args, funcs, locks, check):
    return Case(name, "tp_glib_locks", args=args, exit=86, end_reason=END_DEADLOCK,
                expect=[Expect("deadlock", nlocks=2, funcs=funcs, src="glib_locks.c",
                               distinct_threads=True, locks=locks,
                               noflags=["single_thread", "timed", "orphaned"])],
                allow=["lock-order-inversion", "long-hold"], min_locks=2,
                check=both(check_deadlock_fast, check))


def omp_deadlock(name, prog, args, funcs, locks, check):
    return Case(name, prog, args=args, exit=86, end_reason=END_DEADLOCK,
                expect=[Expect("deadlock", nlocks=2, funcs=funcs, src="omp_locks.c",
                               distinct_threads=True, locks=locks,
                               noflags=["single_thread", "timed", "orphaned"])],
                allow=["lock-order-inversion", "long-hold"], min_locks=2,
                check=both(check_deadlock_fast, check))


GLIB_ABBA_SITES = sites("glib_locks.c", ("gm_ab", "site: gm_ab a", "site: gm_ab b"),
                        ("gm_ba", "site: gm_ba b", "site: gm_ba a"))
OMP_ABBA_SITES = sites("omp_locks.c", ("lock_ab", "site: lock_ab la", "site: lock_ab lb"),
                       ("lock_ba", "site: lock_ba lb", "site: lock_ba la"))
OMP_NEST_SITES = sites("omp_locks.c", ("nest_ab", "site: nest_ab na", "site: nest_ab nb"),
                       ("nest_ba", "site: nest_ba nb", "site: nest_ba na"))
OMP_NAMED_SITES = sites("omp_locks.c",
                        ("named_then_lock", "site: named_then_lock alpha", "site: named_then_lock la"),
                        ("lock_then_named", "site: lock_then_named la", "site: lock_then_named alpha"))
OMP_UNNAMED_SITES = sites("omp_locks.c",
                          ("unnamed_then_lock", "site: unnamed_then_lock critical",
                           "site: unnamed_then_lock la"),
                          ("lock_then_unnamed", "site: lock_then_unnamed la",
                           "site: lock_then_unnamed critical"))


def live_names(check, *names):
    """check, after asserting the live report names each lock as the program wrote it
    (e.g. `omp critical(alpha)`, not the symbol .gomp_critical_user_alpha)."""
    def both(run):
        err = run.stderr.decode(errors="replace")
        for name in names:
            if not re.search(r"^==lockgraph\[\d+\]==\s+L\d+ .*\(%s in " % re.escape(name),
                             err, re.M):
                raise Failure("live report does not name the lock `%s`:\n%s" % (name, err))
        check(run)
    return both

# GLib's GMutex / G_LOCK / GCond and OpenMP's locks and critical sections
# (shim/hooks/glib.c, omp.c): tests/programs/glib_locks.c, omp_locks.c.
GLIB_OMP_CASES = [
    Case("glib_gmutex_abba", "tp_glib_locks", args=["abba"],
         expect=[inversion(2, ["gm_ab", "gm_ba"], "glib_locks.c", locks=["gm_a", "gm_b"])],
         min_locks=2, check=GLIB_ABBA_SITES),
    Case("glib_gmutex_ordered", "tp_glib_locks", args=["ordered"], min_locks=2),
    Case("glib_gmutex_trylock", "tp_glib_locks", args=["trylock"], min_locks=2,
         filtered={"trylock": 1}),
    Case("glib_glock_abba", "tp_glib_locks", args=["glock"],
         expect=[inversion(2, ["glock_ab", "glock_ba"], "glib_locks.c",
                           locks=["g__glock_a_lock", "g__glock_b_lock"])],
         min_locks=2, check=sites("glib_locks.c",
                                  ("glock_ab", "site: glock_ab a", "site: glock_ab b"),
                                  ("glock_ba", "site: glock_ba b", "site: glock_ba a"))),
    Case("glib_gcond_reacquire", "tp_glib_locks", args=["cond"],
         expect=[inversion(2, ["cond_waiter", "cm_then_b"], "glib_locks.c", locks=["cm", "gm_b"])],
         min_locks=2, check=sites("glib_locks.c",
                                  ("cond_waiter", "site: cond_waiter b", "site: re-takes cm (wait)"),
                                  ("cm_then_b", "site: cm_then_b cm", "site: cm_then_b b"))),
    Case("glib_gcond_until_reacquire", "tp_glib_locks", args=["cond_until"],
         expect=[inversion(2, ["cond_waiter", "cm_then_b"], "glib_locks.c", locks=["cm", "gm_b"])],
         min_locks=2, check=sites("glib_locks.c",
                                  ("cond_waiter", "site: cond_waiter b", "site: re-takes cm (until)"),
                                  ("cm_then_b", "site: cm_then_b cm", "site: cm_then_b b"))),
    glib_deadlock("glib_gmutex_deadlock", ["deadlock"], ["dl_ab", "dl_ba"], ["gm_a", "gm_b"],
                  sites("glib_locks.c", ("dl_ab", "site: dl_ab a", "site: dl_ab b"),
                        ("dl_ba", "site: dl_ba b", "site: dl_ba a"))),
    Case("omp_lock_abba", "tp_omp_locks", args=["abba"],
         expect=[inversion(2, ["lock_ab", "lock_ba"], "omp_locks.c", locks=["la", "lb"])],
         min_locks=2, check=OMP_ABBA_SITES),
    Case("omp_lock_ordered", "tp_omp_locks", args=["ordered"], min_locks=2),
    Case("omp_lock_testlock", "tp_omp_locks", args=["testlock"], min_locks=2,
         filtered={"trylock": 1}),
    Case("omp_nest_lock_abba", "tp_omp_locks", args=["nest"],
         expect=[inversion(2, ["nest_ab", "nest_ba"], "omp_locks.c", locks=["na", "nb"])],
         min_locks=2, check=OMP_NEST_SITES),
    Case("omp_critical_named_abba", "tp_omp_locks", args=["named"],
         expect=[inversion(2, ["named_then_lock", "lock_then_named"], "omp_locks.c",
                           locks=["omp critical(alpha)", "la"])],
         min_locks=2, check=live_names(OMP_NAMED_SITES, "omp critical(alpha)")),
    Case("omp_critical_unnamed_abba", "tp_omp_locks", args=["unnamed"],
         expect=[inversion(2, ["unnamed_then_lock", "lock_then_unnamed"], "omp_locks.c",
                           locks=["omp critical", "la"])],
         min_locks=2, check=live_names(OMP_UNNAMED_SITES, "omp critical")),
    omp_deadlock("omp_lock_deadlock", "tp_omp_locks", ["deadlock"], ["lock_ab", "lock_ba"],
                 ["la", "lb"], OMP_ABBA_SITES),
    omp_deadlock("omp_nest_lock_deadlock", "tp_omp_locks", ["nest_deadlock"],
                 ["nest_ab", "nest_ba"], ["na", "nb"], OMP_NEST_SITES),
    omp_deadlock("omp_critical_named_deadlock", "tp_omp_locks", ["named_deadlock"],
                 ["named_then_lock", "lock_then_named"], ["omp critical(alpha)", "la"],
                 OMP_NAMED_SITES),
    omp_deadlock("omp_critical_unnamed_deadlock", "tp_omp_locks", ["unnamed_deadlock"],
                 ["unnamed_then_lock", "lock_then_unnamed"], ["omp critical", "la"],
                 OMP_UNNAMED_SITES),
    # clang -fopenmp: the same lock API, against LLVM's libomp
    Case("omp_clang_lock_abba", "tp_omp_locks_clang", args=["abba"],
         expect=[inversion(2, ["lock_ab", "lock_ba"], "omp_locks.c", locks=["la", "lb"])],
         min_locks=2, check=OMP_ABBA_SITES),
    Case("omp_clang_lock_testlock", "tp_omp_locks_clang", args=["testlock"], min_locks=2,
         filtered={"trylock": 1}),
    Case("omp_clang_nest_lock_abba", "tp_omp_locks_clang", args=["nest"],
         expect=[inversion(2, ["nest_ab", "nest_ba"], "omp_locks.c", locks=["na", "nb"])],
         min_locks=2, check=OMP_NEST_SITES),
    omp_deadlock("omp_clang_lock_deadlock", "tp_omp_locks_clang", ["deadlock"],
                 ["lock_ab", "lock_ba"], ["la", "lb"], OMP_ABBA_SITES),
    omp_deadlock("omp_clang_nest_lock_deadlock", "tp_omp_locks_clang", ["nest_deadlock"],
                 ["nest_ab", "nest_ba"], ["na", "nb"], OMP_NEST_SITES),
]


# The table ---------------------------------------------------------------------

CASES = [
    # demos
    Case("demo_bank_transfer", "bank_transfer",
         expect=[inversion(2, ["transfer", "transfer"], "bank_transfer.c",
                                   locks=["alice.lock", "bob.lock"])],
         min_locks=2),
    Case("demo_bank_transfer_fixed", "bank_transfer_fixed", min_locks=2),
    Case("demo_dining_philosophers", "dining_philosophers",
         expect=[inversion(5, ["take_forks"] * 5, "dining_philosophers.c",
                                   locks=["forks[%d]" % i for i in range(5)])], min_locks=5),
    Case("demo_dining_philosophers_fixed", "dining_philosophers_fixed", min_locks=5),
    Case("demo_nested_cache", "nested_cache",
         expect=[inversion(2, ["cache_lookup", "cache_evict"], "nested_cache.c",
                                   locks=["table_lock"])],
         min_locks=3),
    Case("demo_nested_cache_fixed", "nested_cache_fixed", min_locks=3),
    Case("demo_ticket_booking", "ticket_booking", opts=["--hold-threshold-ms", "500"],
         expect=[Expect("long-hold", funcs=["book_and_pay"], src="ticket_booking.c",
                        locks=["seats_lock"], fields=one_hold_of(1500))],
         check=check_contention),
    Case("demo_ticket_booking_fixed", "ticket_booking_fixed",
         opts=["--hold-threshold-ms", "500"]),
    Case("demo_real_deadlock", "real_deadlock", exit=86, end_reason=END_DEADLOCK,
         expect=[Expect("deadlock", nlocks=2, funcs=["lock_a_then_b", "lock_b_then_a"],
                        src="real_deadlock.c", distinct_threads=True, locks=["lock_a", "lock_b"],
                        noflags=["single_thread", "timed", "orphaned"])],
         # the two locks really are held for more than the default 1000 ms threshold
         allow=["lock-order-inversion", "long-hold"], min_locks=2,
         check=check_deadlock_fast),

    Case("demo_annotated_spinlock", "annotated_spinlock",
         expect=[inversion(2, ["move_stock", "move_stock"], "annotated_spinlock.c",
                           locks=["store", "warehouse"])],
         min_locks=2),
    Case("demo_annotated_spinlock_fixed", "annotated_spinlock_fixed", min_locks=2),
    Case("demo_job_queue", "job_queue",
         expect=[Expect("exit-held-lock", funcs=["next_job"], src="job_queue.c",
                        locks=["queue_lock"])]),
    Case("demo_job_queue_fixed", "job_queue_fixed"),

    # purpose-built programs
    Case("abba", "tp_abba", expect=[inversion(2, ["worker_ab", "worker_ba"], "abba.c", locks=["lock_a", "lock_b"])],
         min_locks=2),
    Case("abba_single_thread", "tp_abba", args=["single"],
         expect=[Expect("lock-order-inversion", nlocks=2, funcs=["worker_ab", "worker_ba"],
                        src="abba.c", flags=["single_thread"], locks=["lock_a", "lock_b"])], min_locks=2),
    Case("cross_run_abba", "tp_abba", args=["ab"], more_runs=[["ba"]], nlogs=2,
         expect=[inversion(2, ["worker_ab", "worker_ba"], "abba.c", locks=["lock_a", "lock_b"],
                           flags=["cross_run"], noflags=["single_thread", "timed", "budget"])],
         live=False, min_locks=4, check=check_cross_run),
    Case("static_array_names", "tp_static_array",
         expect=[inversion(2, ["worker_13", "worker_31"], "static_array.c", locks=["m[1]", "m[3]"])],
         min_locks=2, check=check_static_array_names),
    Case("ring3", "tp_ring", args=["3"],
         expect=[inversion(3, ["ring_edge_worker"] * 3, "ring.c",
                           locks=["ring_locks[%d]" % i for i in range(3)])], min_locks=3),
    Case("ring5", "tp_ring", args=["5"],
         expect=[inversion(5, ["ring_edge_worker"] * 5, "ring.c",
                           locks=["ring_locks[%d]" % i for i in range(5)])], min_locks=5),
    Case("gate_lock", "tp_gate", min_locks=3, filtered={"gate-lock": 1}),
    Case("trylock_backoff", "tp_trylock_backoff", min_locks=2, filtered={"trylock": 1}),
    Case("recursive_relock", "tp_recursive", min_locks=2),
    Case("rwlock_read_read", "tp_rwlocks", args=["read-read"], min_locks=2,
         filtered={"reader-preference": 1}),
    Case("rwlock_write_write", "tp_rwlocks", args=["write-write"],
         expect=[inversion(2, ["rw_x_then_y", "rw_y_then_x"], "rwlocks.c",
                                   locks=["rw_x", "rw_y"])], min_locks=2),
    Case("rwlock_read_mutex_readerpref", "tp_rwlocks", args=["read-mutex-readerpref"],
         min_locks=2, filtered={"reader-preference": 1}),
    Case("rwlock_read_mutex_writerpref", "tp_rwlocks", args=["read-mutex-writerpref"],
         expect=[inversion(2, ["read_rw_then_mutex", "mutex_then_read_rw"], "rwlocks.c",
                                   locks=["rw_pref", "mutex_m"])],
         min_locks=2),
    Case("condvar_wait", "tp_condvar", args=["wait"], min_locks=1),
    Case("condvar_reacquire", "tp_condvar", args=["reacquire"],
         expect=[inversion(2, ["waiter_holding_b", "m_then_b"], "condvar.c",
                                   locks=["mutex_m", "lock_b"])], min_locks=2,
         check=check_cond_reacquire_site),
    Case("c11_mtx_abba", "tp_c11_mtx",
         expect=[inversion(2, ["mtx_worker_ab", "mtx_worker_ba"], "c11_mtx.c",
                                   locks=["mtx_a", "mtx_b"])], min_locks=2),
    Case("spin_abba", "tp_spin_abba",
         expect=[inversion(2, ["spin_worker_ab", "spin_worker_ba"], "spin_abba.c",
                           locks=["spin_a", "spin_b"])], min_locks=2),
    # capacity, not timing: building ~500k edges under load can hold the first locks
    # past a second, a real long hold in wall time that this case is not about
    Case("many_held", "tp_many_held", opts=["--hold-threshold-ms", "0"], min_locks=1000),
    Case("many_locks", "tp_many_locks", min_locks=100001),
    Case("fork_child", "tp_fork_child", nlogs=2, min_locks=2,
         expect=[inversion(2, ["child_worker_cd", "child_worker_dc"], "fork_child.c",
                                   locks=["lock_c", "lock_d"])],
         check=check_fork),
    Case("exec_traced", "tp_exec_traced", args=["@bin/tp_abba"], nlogs=2,
         expect=[inversion(2, ["worker_ab", "worker_ba"], "abba.c", locks=["lock_a", "lock_b"])],
         end_reason=None, check=check_exec_traced),
    Case("exec_untraced", "tp_exec_traced", args=["@bin/tp_abba"],
         opts=["--trace-children=no"], nlogs=1, end_reason=END_EXEC,
         check=check_exec_untraced),
    Case("untraced_static_exec", "tp_static_wrapper", opts=["--error-exitcode", "9"], exit=9,
         nlogs=1, min_locks=0, end_reason=END_EXEC, check=check_untraced_static),
    Case("unseen_glib_note", "tp_unseen_glib", min_locks=0, check=check_unseen_glib),
    Case("dlopen", "tp_dlopen_main",
         expect=[inversion(2, ["main_a_then_plugin", "plugin_lock_then_call"], None,
                           module="libtp_plugin.so", locks=["lock_a", "plugin_lock"])], min_locks=2),
    Case("dlopen_dlclose", "tp_dlopen_main", args=["close"],
         expect=[inversion(2, ["main_a_then_plugin", "plugin_lock_then_call"], None,
                           module="libtp_plugin.so", locks=["lock_a", "plugin_lock"])], min_locks=2),
    Case("cxx_mutex_abba", "tp_cxx_locks", args=["abba"],
         expect=[inversion(2, ["cxx_worker_ab", "cxx_worker_ba"], "cxx_locks.cpp",
                                   locks=["mutex_a", "mutex_b"])],
         min_locks=2),
    Case("cxx_shared_mutex_read", "tp_cxx_locks", args=["shared-read"], min_locks=2,
         filtered={"reader-preference": 1}),
    Case("cxx_shared_mutex_write", "tp_cxx_locks", args=["shared-write"],
         expect=[inversion(2, ["shared_write_xy", "shared_write_yx"], "cxx_locks.cpp",
                                   locks=["shared_x", "shared_y"])],
         min_locks=2),
    Case("cxx_timed_mutex", "tp_cxx_locks", args=["timed"],
         expect=[inversion(2, ["timed_worker_ab", "timed_worker_ba"], "cxx_locks.cpp",
                           locks=["timed_a", "timed_b"],
                           flags=["timed"],
                           noflags=["single_thread", "cross_run", "budget"])],
         min_locks=2),
    Case("cxx_condition_variable", "tp_cxx_locks", args=["condvar"], min_locks=1),
    Case("daemon_closed_fds", "tp_daemonish", args=["close-fds"], live=False,
         expect=[inversion(2, ["daemon_worker_ab", "daemon_worker_ba"], "daemonish.c",
                                   locks=["lock_a", "lock_b"])],
         min_locks=2),
    Case("daemon_devnull_stderr", "tp_daemonish", args=["devnull"], live=False,
         expect=[inversion(2, ["daemon_worker_ab", "daemon_worker_ba"], "daemonish.c",
                                   locks=["lock_a", "lock_b"])],
         min_locks=2),
    Case("long_hold_uncontended", "tp_long_hold", opts=["--hold-threshold-ms", "500"],
         expect=[Expect("long-hold", funcs=["hold_config_lock"], src="long_hold.c",
                        locks=["config_lock"], fields=one_hold_of(800))]),
    Case("long_hold_main_thread", "tp_long_hold", args=["main"],
         opts=["--hold-threshold-ms", "500"],
         expect=[Expect("long-hold", funcs=["hold_config_lock"], src="long_hold.c",
                        locks=["config_lock"], fields=one_hold_of(800))]),
    Case("stdout_identical", "tp_stdout_text", min_locks=0, check=check_stdout_identical),
    # a futex mutex of the program's own, described with <lockgraph/annotate.h>
    Case("annotated_futex_abba", "tp_annotated_futex", args=["abba"],
         expect=[inversion(2, ["fx_worker_ab", "fx_worker_ba"], "annotated_futex.c",
                           locks=["fx_a", "fx_b"])], min_locks=2,
         check=check_annotated_kind),
    Case("annotated_futex_ordered", "tp_annotated_futex", args=["ordered"], min_locks=2),
    Case("annotated_futex_trylock", "tp_annotated_futex", args=["trylock"], min_locks=2,
         filtered={"trylock": 1}),
    Case("annotated_futex_recursive", "tp_annotated_futex", args=["recursive"], min_locks=2),
    Case("annotated_futex_deadlock", "tp_annotated_futex", args=["deadlock"], exit=86,
         end_reason=END_DEADLOCK,
         expect=[Expect("deadlock", nlocks=2, funcs=["fx_worker_ab", "fx_worker_ba"],
                        src="annotated_futex.c", distinct_threads=True, locks=["fx_a", "fx_b"],
                        noflags=["single_thread", "timed", "orphaned"],
                        # a held lock's site is one pc: inside fx_lock, not its caller
                        held_too=False)],
         allow=["lock-order-inversion", "long-hold"], min_locks=2,
         check=check_deadlock_fast),
    Case("annotated_futex_long_hold", "tp_annotated_futex", args=["long-hold"],
         opts=["--hold-threshold-ms", "500"],
         expect=[Expect("long-hold", funcs=["fx_hold_a"], src="annotated_futex.c",
                        locks=["fx_a"], fields=one_hold_of(800))],
         check=check_annotated_stats),
    Case("lock_address_reuse_stack", "tp_lock_reuse", args=["stack"], min_locks=3,
         check=check_reuse_happened),
    Case("lock_address_reuse_heap", "tp_lock_reuse", args=["heap"], min_locks=3,
         check=check_reuse_happened),
] + GLIB_OMP_CASES


# --------------------------------------------------------------------------------
# Log reader: the shim's log, read through `lockgraph dump --format records`


class Log:
    """What a log holds, read through `lockgraph dump --format records` (lglog.py):
    it proves the shim wrote a real log, framed, CRC-checked and decodable."""

    def __init__(self, path, lockgraph):
        self.path = path
        self.pid = self.ppid = None
        self.forked = False
        self.exe = ""
        self.nlocks = 0
        self.lock_instances = []  # (addr, generation) of each LOCK record
        self.retire_reasons = []  # LOCK_RETIRE reasons
        self.end_reason = None
        self.findings = []
        self.counts = {}
        self.torn = False
        self._read(lockgraph)

    def _read(self, lockgraph):
        try:
            log = lglog.Log(lockgraph, self.path)
        except ValueError as e:  # no file header, bad magic or version, corrupt record
            raise Failure("%s: %s" % (self.path, e))
        first = True
        for rec in log.records:
            first = self._record(first, rec)
        self.torn = log.how in ("torn", "unused")
        if first:
            raise Failure("%s: no record after the file header" % self.path)

    def _record(self, first, rec):
        if first and rec.type != REC_HEADER:
            raise Failure("%s: first record has type %d, not HEADER" % (self.path, rec.type))
        self.counts[rec.type] = self.counts.get(rec.type, 0) + 1
        if rec.type == REC_HEADER:
            self.pid, self.ppid = rec.int("pid"), rec.int("ppid")
            self.forked = bool(rec.int("flags") & 1)
            self.exe = rec.str("exe")
        elif rec.type == REC_LOCK:
            self.nlocks += 1
            self.lock_instances.append((rec.int("addr"), rec.int("generation")))
        elif rec.type == REC_LOCK_RETIRE:
            self.retire_reasons.append(rec.int("reason"))
        elif rec.type == REC_FINDING:
            self.findings.append(rec.int("kind"))
        elif rec.type == REC_END:
            self.end_reason = rec.int("reason")
        return False

    def summary(self):
        return ("%s: pid %s exe %s, %d records, %d locks, live findings %s, END %s%s"
                % (os.path.basename(self.path), self.pid, self.exe,
                   sum(self.counts.values()), self.nlocks, self.findings, self.end_reason,
                   " (torn tail)" if self.torn else ""))


# --------------------------------------------------------------------------------
# Running


def clean_env():
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("LOCKGRAPH_") and k != "LD_PRELOAD"}
    env["LC_ALL"] = "C"
    return env


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return "at byte %d: expected %r, got %r" % (i, a[max(0, i - 40): i + 40],
                                                        b[max(0, i - 40): i + 40])
    return "lengths %d (expected) and %d (got)" % (len(a), len(b))


class Result:
    def __init__(self, status, stdout, stderr):
        self.status, self.stdout, self.stderr = status, stdout, stderr


def run_guarded(cmd, cwd, timeout):
    """Runs cmd in its own process group; on timeout kills the group and fails."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=clean_env(), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        raise Failure("hang: %s did not finish within %d s\nstderr:\n%s"
                      % (" ".join(cmd), timeout, err.decode(errors="replace")[-4000:]))
    return Result(proc.returncode, out, err)


class Run:
    def __init__(self, case, bin_dir, tmp):
        self.case, self.bin_dir, self.tmp = case, bin_dir, tmp
        self.lockgraph = os.path.join(bin_dir, "lockgraph")
        self.prog_path = os.path.join(bin_dir, case.prog)
        self.logs, self.live, self.elapsed = [], [], 0.0

    def tool(self, args, timeout=REPORT_TIMEOUT):
        return run_guarded([self.lockgraph] + args, self.tmp, timeout)

    def report(self, paths):
        """`lockgraph report --format json PATHS` -> list of findings (checked)."""
        res = self.tool(["report", "--format", "json"] + paths)
        err = res.stderr.decode(errors="replace")
        if res.status not in (0, 1):
            raise Failure("lockgraph report exited with %d\nstderr:\n%s" % (res.status, err))
        try:
            doc = json.loads(res.stdout)
        except ValueError as e:
            raise Failure("lockgraph report --format json printed invalid JSON (%s):\n%s"
                          % (e, res.stdout[:2000].decode(errors="replace")))
        findings = doc.get("findings") if isinstance(doc, dict) else None
        if not isinstance(findings, list):
            raise Failure("report JSON has no findings array:\n%s" % json.dumps(doc)[:2000])
        schema_errors = json_schema.errors(doc)
        if schema_errors:
            raise Failure("report JSON violates docs/json-report.schema.json:\n  %s"
                          % "\n  ".join(schema_errors[:20]))
        self.summary = doc.get("summary") or {}
        failing = [f for f in findings if f.get("kind") != "long-hold"]
        if res.status != (1 if failing else 0):
            raise Failure("report exit status %d, but %d finding(s) of a default --fail-on "
                          "kind" % (res.status, len(failing)))
        return findings


def resolve_args(args, bin_dir):
    return [os.path.join(bin_dir, a[5:]) if a.startswith("@bin/") else a for a in args]


def run_case(case, bin_dir, keep):
    for needed in ("lockgraph", case.prog):
        path = os.path.join(bin_dir, needed)
        if not os.access(path, os.X_OK):
            raise Failure("%s is missing (build the project first)" % path)

    tmp = tempfile.mkdtemp(prefix="lg-it-%s-" % case.name)
    try:
        run = Run(case, bin_dir, tmp)
        cmd = ([run.lockgraph, "run", "--output", os.path.join(tmp, "lg.%p.log")] + case.opts
               + ["--", run.prog_path] + resolve_args(case.args, bin_dir))
        t0 = time.monotonic()
        res = run_guarded(cmd, tmp, RUN_TIMEOUT)
        for args in case.more_runs:
            if res.status != case.exit:
                break
            more = run_guarded(cmd[:cmd.index("--") + 2] + resolve_args(args, bin_dir),
                               tmp, RUN_TIMEOUT)
            res = Result(more.status, res.stdout + more.stdout, res.stderr + more.stderr)
        run.elapsed = time.monotonic() - t0
        run.stdout, run.stderr = res.stdout, res.stderr
        stderr = res.stderr.decode(errors="replace")
        context = "command: %s\nexit status: %d\nstderr (tail):\n%s" % (
            " ".join(cmd), res.status, stderr[-6000:])
        try:
            check_run(run, res, stderr)
        except Failure as e:
            raise Failure("%s\n---\n%s" % (e, context))
        print("PASS %s (%.1f s)" % (case.name, run.elapsed))
        for log in run.logs:
            print("  " + log.summary())
    finally:
        if keep:
            print("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def check_run(run, res, stderr):
    case = run.case
    # 1. exit status
    if res.status < 0:
        raise Failure("crashed: killed by signal %d" % -res.status)
    if res.status != case.exit:
        raise Failure("exit status %d, expected %d" % (res.status, case.exit))

    # 2. the logs
    paths = sorted(os.path.join(run.tmp, n) for n in os.listdir(run.tmp)
                   if n.startswith("lg."))
    if not paths:
        raise Failure("no log written in %s: the shim did not load" % run.tmp)
    run.logs = [Log(p, run.lockgraph) for p in paths]
    if len(run.logs) != case.nlogs:
        raise Failure("%d log(s) written, expected %d: %s"
                      % (len(run.logs), case.nlogs, [l.summary() for l in run.logs]))
    total_locks = sum(l.nlocks for l in run.logs)
    if total_locks < case.min_locks:
        raise Failure("the logs define %d lock(s); the program used at least %d: "
                      "the shim did not see its locks" % (total_locks, case.min_locks))
    if case.end_reason is not None:
        for log in run.logs:
            if log.end_reason != case.end_reason:
                raise Failure("%s: END reason %s, expected %d"
                              % (log.path, log.end_reason, case.end_reason))

    # 3. live reports on stderr
    pids = {l.pid for l in run.logs}
    for line in stderr.splitlines():
        m = LIVE_RE.match(line)
        if m:
            run.live.append((int(m.group(1)), m.group(2)))
    for pid, kind in run.live:
        if pid not in pids:
            raise Failure("live report from pid %d, which has no log" % pid)
    if case.live:
        live_kinds = {k for _, k in run.live}
        for e in case.expect:
            if e.kind not in live_kinds:
                raise Failure("no live `==lockgraph[PID]== %s:` line on stderr" % e.kind)
        wanted = {e.kind for e in case.expect} | set(case.allow)
        extra = live_kinds - wanted
        if extra:
            raise Failure("unexpected live report(s) of kind %s" % sorted(extra))

    # 4. the report
    findings = run.report([l.path for l in run.logs])
    match_findings(findings, case.expect, case.allow, "report of all logs")
    filtered_by = run.summary.get("filtered_by")
    if not isinstance(filtered_by, dict):
        raise Failure("report JSON summary lacks filtered_by")
    for rule in ("trylock", "gate-lock", "reader-preference"):
        if filtered_by.get(rule) != case.filtered.get(rule, 0):
            raise Failure("summary.filtered_by[%s] is %s, expected %d (the cycles the "
                          "program has and the rule that makes each harmless)"
                          % (rule, filtered_by.get(rule), case.filtered.get(rule, 0)))

    # 5. case-specific checks
    if case.check:
        case.check(run)


# --------------------------------------------------------------------------------
# Matching findings


def frames_of(obj):
    """Every frame (a dict with a "function" key) anywhere inside obj."""
    if isinstance(obj, dict):
        if "function" in obj:
            yield obj
        for v in obj.values():
            yield from frames_of(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from frames_of(v)


def frame_matches(frame, func, src):
    name = frame.get("function") or ""
    if not re.search(r"(^|[^A-Za-z0-9_])" + re.escape(func) + r"($|[^A-Za-z0-9_])", name):
        return False
    if src:
        if not os.path.basename(str(frame.get("file") or "")) == src:
            return False
        line = frame.get("line")
        if not isinstance(line, int) or line <= 0:
            return False
    return True


def check_frame_shape(frame, where):
    for key in ("function", "file", "line", "module"):
        if key not in frame:
            raise Failure("%s: frame without %r: %s" % (where, key, json.dumps(frame)))


def problems_with(f, e):
    """Why finding f does not satisfy expectation e (empty list: it does)."""
    why = []
    if f.get("kind") != e.kind:
        return ["kind %s" % f.get("kind")]
    flags = f.get("flags")
    if not isinstance(flags, list):
        return ["no flags array"]
    for fl in e.flags:
        if fl not in flags:
            why.append("flag %s missing" % fl)
    for fl in e.noflags:
        if fl in flags:
            why.append("unexpected flag %s" % fl)
    edges = f.get("edges")
    if e.kind in ("lock-order-inversion", "deadlock"):
        cycle = f.get("cycle")
        if not isinstance(cycle, list) or not isinstance(edges, list):
            return why + ["no cycle/edges arrays"]
        if e.nlocks is not None and len(cycle) != e.nlocks:
            why.append("%d locks in the cycle, expected %d" % (len(cycle), e.nlocks))
        if len(edges) != len(cycle):
            why.append("%d edges for %d locks" % (len(edges), len(cycle)))
        for i, edge in enumerate(edges):
            for key in ("thread", "stack", "held_stack"):
                if key not in edge:
                    why.append("edge %d lacks %r" % (i, key))
            if not isinstance(edge.get("stack"), list) or not edge.get("stack"):
                why.append("edge %d has an empty stack" % i)
        if why:
            return why
        for edge in edges:
            for fr in edge["stack"] + (edge.get("held_stack") or []):
                check_frame_shape(fr, "edge frame")
        # each expected function in the acquisition stack of a different edge (and,
        # with held_too, in the stack where that edge's held lock was taken)
        def edge_has(i, fn, held):
            frames = edges[i]["stack"] if not held else (edges[i].get("held_stack") or [])
            if held and edges[i].get("held_stack_cut") is True and frames:
                # the held lock was taken in a call that had returned before its
                # stack could be kept (std::shared_mutex::lock at -O0): the report
                # keeps its call site and says the outer frames are unknown, never
                # a later line of the edge's function (docs/shim.md)
                return True
            return any(frame_matches(fr, fn, e.src) for fr in frames)
        if e.funcs:
            perms = [perm for perm in itertools.permutations(range(len(edges)), len(e.funcs))
                     if all(edge_has(i, fn, False) for fn, i in zip(e.funcs, perm))]
            if not perms:
                why.append("functions %s (in %s) not each found in a different edge's "
                           "stack" % (e.funcs, e.src or "any file"))
            elif e.held_too and not any(all(edge_has(i, fn, True) for fn, i in zip(e.funcs, p))
                                        for p in perms):
                why.append("held_stack of the edges does not show %s, where the held "
                           "lock was taken: %s" % (e.funcs, [
                               [fr.get("function") for fr in edge.get("held_stack") or []]
                               for edge in edges]))
        if e.locks:
            names = [str(lk.get("name") or "") if isinstance(lk, dict) else "" for lk in cycle]
            ok = any(all(re.search(r"(^|[^A-Za-z0-9_])" + re.escape(want) + r"($|[^A-Za-z0-9_])",
                                   names[i]) for want, i in zip(e.locks, perm))
                     for perm in itertools.permutations(range(len(names)), len(e.locks)))
            if not ok:
                why.append("cycle locks named %s, expected %s" % (names, e.locks))
        if e.distinct_threads:
            threads = [json.dumps(edge["thread"], sort_keys=True) for edge in edges]
            if len(set(threads)) != len(threads):
                why.append("edges' threads not distinct: %s" % threads)
    else:
        for fn in e.funcs:
            if not any(frame_matches(fr, fn, e.src) for fr in frames_of(f)):
                why.append("function %s (in %s) not in the finding's frames" % (fn, e.src))
        if e.locks:
            name = str((f.get("lock") or {}).get("name") if isinstance(f.get("lock"), dict)
                       else "")
            if name != e.locks[0]:
                why.append("lock named %r, expected %r" % (name, e.locks[0]))
    for key, (desc, pred) in e.fields.items():
        if key not in f or not pred(f[key]):
            why.append("%s is %r, expected %s" % (key, f.get(key), desc))
    if e.module and not any(e.module in str(fr.get("module") or "") for fr in frames_of(f)):
        why.append("no frame names module %s" % e.module)
    return why


def match_findings(findings, expects, allow, where):
    remaining = list(findings)
    for e in expects:
        good = [f for f in remaining if not problems_with(f, e)]
        if len(good) != e.count:
            same_kind = [f for f in remaining if f.get("kind") == e.kind]
            detail = "\n".join("  - %s" % "; ".join(problems_with(f, e)) for f in same_kind)
            raise Failure("%s: expected %d finding(s) %s, found %d%s\nfindings:\n%s"
                          % (where, e.count, e.describe(), len(good),
                             ("; near misses:\n" + detail) if detail else "",
                             json.dumps(findings, indent=1)[:8000]))
        for f in good:
            remaining.remove(f)
    extra = [f for f in remaining if f.get("kind") not in allow]
    if extra:
        raise Failure("%s: unexpected finding(s): %s\n%s"
                      % (where, [f.get("kind") for f in extra],
                         json.dumps(extra, indent=1)[:8000]))


# --------------------------------------------------------------------------------
# Self-test: a test that cannot fail is a defect.  Wrap the real `lockgraph` so that
# `run` (a) starts the program without the shim, or (b) passes --quiet; the harness
# must then fail (a) every case and (b) every case that expects a live report.

WRAPPERS = {
    "no-shim": '#!/bin/sh\nif [ "$1" = run ]; then\n'
               '  while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do shift; done; shift\n'
               '  exec "$@"\nfi\nexec "%s" "$@"\n',
    "quiet": '#!/bin/sh\nif [ "$1" = run ]; then shift; exec "%s" run --quiet "$@"; fi\n'
             'exec "%s" "$@"\n',
}


def selftest(bin_dir):
    real = os.path.join(bin_dir, "lockgraph")
    wrong = []
    for variant, script in WRAPPERS.items():
        fake = tempfile.mkdtemp(prefix="lg-it-selftest-")
        try:
            for name in os.listdir(bin_dir):
                if name != "lockgraph":
                    os.symlink(os.path.join(bin_dir, name), os.path.join(fake, name))
            with open(os.path.join(fake, "lockgraph"), "w") as f:
                f.write(script.replace("%s", real))
            os.chmod(os.path.join(fake, "lockgraph"), 0o755)
            cases = CASES if variant == "no-shim" else [
                c for c in CASES if c.live and c.expect]
            for case in cases:
                try:
                    run_case(case, fake, False)
                    wrong.append("%s/%s" % (variant, case.name))
                except Failure as e:
                    print("ok: %s/%s fails: %s" % (variant, case.name, str(e).splitlines()[0]))
        finally:
            shutil.rmtree(fake, ignore_errors=True)
    if wrong:
        print("FAIL selftest: these cases pass although the tool is crippled: %s" % wrong)
        return 1
    print("PASS selftest")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--bin-dir")
    ap.add_argument("--case")
    ap.add_argument("--all", action="store_true")
    ap.add_argument("--selftest", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    a = ap.parse_args()
    names = [c.name for c in CASES]
    assert len(set(names)) == len(names), "duplicate case names"
    if a.list:
        print("\n".join(names))
        return 0
    if a.bin_dir and a.selftest:
        return selftest(os.path.abspath(a.bin_dir))
    if not a.bin_dir or not (a.case or a.all):
        ap.error("--bin-dir and --case (or --all or --selftest) are required")
    todo = CASES if a.all else [c for c in CASES if c.name == a.case]
    if not todo:
        print("unknown case %s" % a.case, file=sys.stderr)
        return 2
    failed = []
    for case in todo:
        try:
            run_case(case, os.path.abspath(a.bin_dir), a.keep)
        except Failure as e:
            failed.append(case.name)
            print("FAIL %s: %s" % (case.name, e))
    if a.all:
        print("%d/%d passed; failed: %s" % (len(todo) - len(failed), len(todo), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
