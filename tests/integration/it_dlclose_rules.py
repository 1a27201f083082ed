#!/usr/bin/env python3
"""dlclose empties the stack walker's rule cache (shim/unload.c, host/eh_unwind.h):
a rule cached for a library's return address must not be applied to the code of
the next library mapped at that address.

tests/programs/dlclose_rules.c walks through plugin a's plugin_lock, dlclose()s a,
dlopen()s b at a's old base and walks through b's plugin_lock: the same return
address, a frame 4 KiB larger (dlclose_rules_plugin.c).  This driver checks

  layout  with objdump, that the two builds of plugin_lock have the same
      instructions at the same offsets apart from the frame size, which differs:
      otherwise b's return address would not hit a's cached rule, or the rules
      would agree, and the run below could not fail;
  run     under `lockgraph run`: b was mapped at a's base (the program exits 4
      when not), and the JSON report's inversion holds the stack of b's
      acquisition as plugin_lock (in b, at its call of pthread_mutex_lock), then
      main_calls_b at @B_CALL, then main.  A stale rule from a reads the return
      address inside b's zeroed frame, and the stack ends at plugin_lock.

usage: it_dlclose_rules.py --lockgraph BIN --prog tp_dlclose_rules --plugin-a SO
--plugin-b SO --src-dir DIR [--objdump BIN]"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from case_driver import inversions, markers, report, run_logged  # noqa: E402

failures = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        failures.append(what)
    return cond


def disassembly(objdump, so):
    """plugin_lock of SO as [(offset, mnemonic, operands)]."""
    out = subprocess.run([objdump, "-d", "--no-show-raw-insn", so], stdout=subprocess.PIPE,
                         universal_newlines=True, check=True).stdout
    m = re.search(r"^[0-9a-f]+ <plugin_lock>:\n(.*?)(?:\n\n|\Z)", out, re.M | re.S)
    insns = []
    for line in (m.group(1).splitlines() if m else []):
        f = re.match(r"\s*([0-9a-f]+):\s+(\S+)\s*(.*)", line)
        if f:
            insns.append((int(f.group(1), 16), f.group(2), f.group(3)))
    return insns


def lock_return(insns):
    """The offset plugin_lock's call of pthread_mutex_lock returns to, or None."""
    for i, (_, op, args) in enumerate(insns[:-1]):
        if op.startswith("call") and "<pthread_mutex_lock" in args:
            return insns[i + 1][0]
    return None


def frame_size(insns):
    for _, op, args in insns:
        m = re.match(r"\$(0x[0-9a-f]+),%rsp$", args)
        if op.startswith("sub") and m:
            return int(m.group(1), 16)
    return None


def check_layout(a):
    da, db = disassembly(a.objdump, a.plugin_a), disassembly(a.objdump, a.plugin_b)
    if not check(da and db, "layout: plugin_lock disassembled in both plugins (%d, %d "
                 "instructions)" % (len(da), len(db))):
        return None
    check([(o, op) for o, op, _ in da] == [(o, op) for o, op, _ in db],
          "layout: the same instructions at the same offsets in a and b")
    ra, rb = lock_return(da), lock_return(db)
    check(ra is not None and ra == rb,
          "layout: the call of pthread_mutex_lock returns to the same offset (%s, %s)"
          % (hex(ra) if ra else ra, hex(rb) if rb else rb))
    fa, fb = frame_size(da), frame_size(db)
    check(fa is not None and fb is not None and fa < fb,
          "layout: b's frame is larger than a's (sub $%s / $%s, %%rsp): a's rule is wrong "
          "for b" % (hex(fa) if fa else fa, hex(fb) if fb else fb))
    return ra


def check_run(a, ret, tmp):
    p, logs = run_logged(a.lockgraph, a.prog, [a.plugin_a, a.plugin_b], tmp)
    bases = re.search(r"a_base=(\S+) b_base=(\S+)", p.stdout)
    say = bases.group(0) if bases else p.stdout.strip()
    if p.returncode == 4:
        check(False, "run: plugin b was mapped away from plugin a's address (%s): the "
              "flush is not tested; see why the loader chose another place" % say)
        return
    ran = p.returncode == 0 and "dlclose_rules: finished" in p.stdout
    if not check(ran, "run: exit status %d, %r%s" % (p.returncode, p.stdout.strip(),
                                                    "" if ran else " " + p.stderr[-300:])):
        return
    check(bases and bases.group(1) == bases.group(2), "run: b mapped at a's base (%s)" % say)
    inv = inversions(json.loads(report(a.lockgraph, "json", logs)))
    if not check(len(inv) == 1, "run: one lock-order inversion in the report (%d)" % len(inv)):
        return
    into_b = [e for e in inv[0]["edges"]
              if any(fr.get("function") == "plugin_lock" for fr in e.get("stack") or [])]
    if not check(len(into_b) == 1, "run: one edge acquired in plugin_lock (%d)" % len(into_b)):
        return
    stack = into_b[0]["stack"]
    fns = [fr.get("function") for fr in stack]
    mk = markers(os.path.join(a.src_dir, "dlclose_rules.c"))
    top = stack[0]
    check(fns[:3] == ["plugin_lock", "main_calls_b", "main"],
          "run: b's acquisition walked out through its caller: plugin_lock, main_calls_b, "
          "main (%s)" % fns)
    check(os.path.basename(top.get("module") or "") == os.path.basename(a.plugin_b),
          "run: the plugin_lock frame is b's (%s)" % top.get("module"))
    if ret is not None:
        off = int(top.get("offset") or "0", 16)
        check(off + 1 == ret, "run: the frame's return address is the one a's walk cached "
              "a rule for (%#x, call site %#x)" % (ret, off))
    pk = markers(os.path.join(a.src_dir, "dlclose_rules_plugin.c"))
    check(top.get("line") == pk["PLUGIN_LOCK"], "run: plugin_lock at its lock, line %s "
          "(@PLUGIN_LOCK %d)" % (top.get("line"), pk["PLUGIN_LOCK"]))
    caller = stack[1] if len(stack) > 1 else {}
    check(caller.get("line") == mk["B_CALL"], "run: main_calls_b at its call of plugin_lock, "
          "line %s (@B_CALL %d)" % (caller.get("line"), mk["B_CALL"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lockgraph", required=True)
    ap.add_argument("--prog", required=True)
    ap.add_argument("--plugin-a", required=True)
    ap.add_argument("--plugin-b", required=True)
    ap.add_argument("--src-dir", required=True)
    ap.add_argument("--objdump", default="objdump")
    a = ap.parse_args()
    ret = check_layout(a)
    with tempfile.TemporaryDirectory(prefix="lg-dlclose-rules-") as tmp:
        check_run(a, ret, tmp)
    print("dlclose rules: %d failure(s)" % len(failures))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
