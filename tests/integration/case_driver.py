"""What the case-per-program drivers share (it_capture.py, it_init_site.py): the
@MARKER line map of a test program's source, a program run under `lockgraph run`
and its logs reported, the inversions of a JSON report, and the main loop that runs each case in a fresh temporary folder and prints one
"ok CASE" / "FAIL CASE" line with its reasons."""
import argparse
import os
import re
import subprocess
import tempfile


def markers(path):
    """@NAME -> line number, from the comments of a test program (the last mention
    wins: the code, not the header comment that names it first)."""
    out = {}
    with open(path) as f:
        for no, line in enumerate(f, 1):
            for m in re.finditer(r"@([A-Z0-9_]+)", line):
                out[m.group(1)] = no
    return out


def run_logged(lockgraph, prog, args, out_dir, quiet=False, timeout=60):
    """PROG ARGS under `lockgraph run`, logs in OUT_DIR (lg.PID.log): (process, the
    sorted log paths)."""
    cmd = [lockgraph, "run"] + (["--quiet"] if quiet else []) + [
        "--output=" + os.path.join(out_dir, "lg.%p.log"), "--", prog] + args
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                       universal_newlines=True)
    logs = sorted(os.path.join(out_dir, n) for n in os.listdir(out_dir) if n.startswith("lg."))
    return p, logs


def report(lockgraph, fmt, logs, timeout=120):
    """`lockgraph report --format FMT LOGS`: its standard output."""
    return subprocess.run([lockgraph, "report", "--format", fmt] + logs, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=timeout, universal_newlines=True).stdout


def inversions(doc):
    return [f for f in doc.get("findings", []) if f.get("kind") == "lock-order-inversion"]


def case_main(cases, check, prefix):
    """--lockgraph, --bin-dir, --src-dir and --case; check(args, case, tmp) returns a
    list of errors.  Exit status 1 if any case failed."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--lockgraph", required=True)
    ap.add_argument("--bin-dir", required=True)
    ap.add_argument("--src-dir", required=True)
    ap.add_argument("--case", choices=cases)
    a = ap.parse_args()
    bad = 0
    for case in [a.case] if a.case else cases:
        with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
            errs = check(a, case, tmp)
        print("%s %s%s" % ("FAIL" if errs else "ok", case, "".join("\n  - " + e for e in errs)))
        bad |= bool(errs)
    return 1 if bad else 0
