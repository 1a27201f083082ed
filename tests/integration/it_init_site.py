#!/usr/bin/env python3
"""Classes and names from the init site (issue 10, item 7), end to end.

Each case runs a two_ctors program (tests/programs/two_ctors.c/.cpp: two constructors
that pthread_mutex_init a heap object's lock, every lock taken by one helper from one
loop) twice under `lockgraph run`, once locking cache then db and once db then cache,
and reports the two logs together.  Only classes keyed by the init stack tell the two
locks apart (their first uses share a stack), so this finds the pair only when the
shim records the init site:

  - `report --format json`: exactly one lock-order-inversion, flagged cross_run, whose
    two locks have class_from "init", distinct classes, and edges from both runs;
  - each run's log alone: no lock-order-inversion;
  - the text report labels the locks "mutex 0x... initialized in FUNCTION (FILE:LINE)"
    with the constructor and the line of its pthread_mutex_init (@... markers),
    at -O0 and -O2 (where the C++ constructors are inlined into main).

usage: it_init_site.py --lockgraph BIN --bin-dir DIR --src-dir DIR [--case NAME]"""
import json
import os
import re
import sys

from case_driver import case_main, inversions, markers, report, run_logged

CASES = ["c-O0", "c-O2", "cxx-O0", "cxx-O2"]


def run(lockgraph, prog, order, out_dir):
    os.makedirs(out_dir)
    return run_logged(lockgraph, prog, [order], out_dir, quiet=True)


def check(a, case, tmp):
    lang, opt = case.split("-")
    src = os.path.join(a.src_dir, "two_ctors." + ("c" if lang == "c" else "cpp"))
    mk = markers(src)
    base = os.path.basename(src)
    if lang == "c":
        want = {"cache_new": mk["CACHE_INIT"], "db_new": mk["DB_INIT"]}
    else:
        want = {"Cache::Cache": mk["CXX_CACHE_INIT"], "Db::Db": mk["CXX_DB_INIT"]}
    # (a C++ function may be printed with its parameter list: "Cache::Cache()")
    prog = os.path.join(a.bin_dir, "tp_two_ctors_%s%s" % ("" if lang == "c" else "cxx_", opt))
    errs, logs = [], []
    for order in ("cache-db", "db-cache"):
        p, got = run(a.lockgraph, prog, order, os.path.join(tmp, order))
        if p.returncode != 0 or p.stdout.strip() != order:
            errs.append("%s: exit %d, stdout %r, stderr %r" % (order, p.returncode, p.stdout,
                                                             p.stderr[-500:]))
        if len(got) != 1:
            return errs + ["%s: expected one log, found %d" % (order, len(got))]
        alone = inversions(json.loads(report(a.lockgraph, "json", got)))
        if alone:
            errs.append("%s: the run alone has %d lock-order-inversion(s)" % (order, len(alone)))
        logs += got
    doc = json.loads(report(a.lockgraph, "json", logs))
    inv = inversions(doc)
    if len(inv) != 1:
        return errs + ["both runs: expected 1 lock-order-inversion, found %d" % len(inv)]
    f = inv[0]
    if "cross_run" not in f.get("flags", []):
        errs.append("the inversion is not flagged cross_run: %s" % f.get("flags"))
    locks = f.get("cycle", [])
    if len(locks) != 2:
        errs.append("expected 2 locks in the cycle, found %d" % len(locks))
    if [l.get("class_from") for l in locks] != ["init", "init"]:
        errs.append("class_from %s, want init for both" % [l.get("class_from") for l in locks])
    if len({l.get("class") for l in locks}) != len(locks):
        errs.append("the two locks share a class")
    runs = {e.get("process", {}).get("run_id") for e in f.get("edges", [])}
    if len(runs) != 2:
        errs.append("edges from %d run(s), want 2" % len(runs))
    # the labels name the constructor and the line of its init
    text = report(a.lockgraph, "text", logs)
    labels = [m.group(1) for m in re.finditer(r"^  L[0-9]+: (.*)$", text, re.M)]
    for fn, line in want.items():
        pat = re.compile(r"^mutex 0x[0-9a-f]+ initialized in %s(?:\(\))? \(%s:%d\) "
                         % (re.escape(fn), re.escape(base), line))
        if not any(pat.match(l) for l in labels):
            errs.append("no label 'mutex 0x... initialized in %s (%s:%d)'; labels: %s"
                        % (fn, base, line, labels))
    if "first used" in "\n".join(labels):
        errs.append("a label still says 'first used': %s" % labels)
    return errs


if __name__ == "__main__":
    sys.exit(case_main(CASES, check, "lg-init-site-"))
