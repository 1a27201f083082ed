#!/usr/bin/env python3
"""Every kind of JSON report lockgraph writes is valid against the published schema
(docs/json-report.schema.json), including what the per-case drivers never ask for:
`--verbose` (the `filtered` array) over logs merged from several programs, with
filtered cycles of every reason, a real deadlock, a long hold and a self-deadlock.
The same check also fails on a document with an undocumented member or value, so
it cannot pass by validating nothing.

  it_json_schema.py --bin-dir BUILD/bin
Exit status 0 pass, 1 fail.
"""
import argparse
import copy
import glob
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import json_schema  # noqa: E402

# (program, args, lockgraph run options): together they produce every finding kind
# the shim and the analysis report, and a filtered cycle of every reason.
RUNS = [
    ("bank_transfer", [], []),
    ("real_deadlock", [], []),
    ("hazard_timed_cycle", [], []),
    ("hazard_join", [], []),
    ("ticket_booking", [], ["--hold-threshold-ms", "500"]),
    ("tp_gate", [], []),
    ("tp_trylock_backoff", [], []),
    ("tp_rwlocks", ["read-mutex-readerpref"], []),
    ("hazard_self_deadlock", ["mutex"], []),
]


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir", required=True)
    a = ap.parse_args()
    lockgraph = os.path.join(a.bin_dir, "lockgraph")
    with tempfile.TemporaryDirectory(prefix="lg-schema-") as tmp:
        for i, (prog, args, opts) in enumerate(RUNS):
            path = os.path.join(a.bin_dir, prog)
            if not os.path.exists(path):
                fail("%s is not built" % path)
            subprocess.run([lockgraph, "run", "--quiet", "--output",
                            os.path.join(tmp, "lg-%d.%%p.log" % i)] + opts + ["--", path] + args,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
        logs = sorted(glob.glob(os.path.join(tmp, "*.log")))
        if len(logs) < len(RUNS):
            fail("expected at least %d logs, found %d" % (len(RUNS), len(logs)))
        docs = {}
        for name, extra in (("plain", []), ("verbose", ["--verbose", "--top", "50"])):
            p = subprocess.run([lockgraph, "report", "--format", "json"] + extra + logs,
                               capture_output=True, timeout=300)
            if p.returncode not in (0, 1):
                fail("report %s exited %d: %s" % (name, p.returncode, p.stderr.decode()[-2000:]))
            docs[name] = json.loads(p.stdout)
        verbose = docs["verbose"]
        kinds = {f["kind"] for f in verbose["findings"]}
        for k in ("lock-order-inversion", "deadlock", "long-hold", "self-deadlock"):
            if k not in kinds:
                fail("the runs were meant to produce a %s finding; kinds: %s" % (k, sorted(kinds)))
        reasons = {f.get("reason") for f in verbose.get("filtered", [])}
        for r in ("gate-lock", "trylock", "reader-preference"):
            if r not in reasons:
                fail("the runs were meant to produce a %s-filtered cycle; reasons: %s"
                     % (r, sorted(reasons)))
        for name, doc in docs.items():
            errs = json_schema.errors(doc)
            if errs:
                fail("%s report violates the schema:\n  %s" % (name, "\n  ".join(errs[:20])))
        # The check can fail: an undocumented member, an undocumented value.
        bad = copy.deepcopy(verbose)
        bad["findings"][0]["undocumented"] = 1
        if not json_schema.errors(bad):
            fail("the schema accepted an undocumented finding member")
        bad = copy.deepcopy(verbose)
        bad["findings"][0]["edges"][0]["held_mode"] = "unknown"
        if not json_schema.errors(bad):
            fail("the schema accepted held_mode \"unknown\"")
    print("json schema: %d logs, plain and --verbose reports valid" % len(logs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
