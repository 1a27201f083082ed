#!/usr/bin/env python3
"""End-to-end tests of `lockgraph run` (analyzer/run/run.c).

  test_run_launcher.py --lockgraph BIN --data-dir DIR --docs CLI_MD [--bin-dir DIR]
                       [--real-shim SO] --suite basic|shim

Suite "basic" needs no shim: LOCKGRAPH_SHIM points at stand-ins built from
tests/run/data/ (liblgrun_harmless.so does nothing; liblgrun_index_writer.so
appends to the run index as the shim does), so it tests what the launcher itself
promises: options, environment, preload order, exit status, signals, warnings.
Suite "shim" runs real programs under the real lib/liblockgraph.so: the run index
filled by the shim, --error-exitcode, and the deadlock policy's precedence.
Exit status 0 when every test passed; each test prints PASS or FAIL with the reason.
"""
import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

TIMEOUT = 60
ARGS = None


class Failure(Exception):
    pass


def expect(cond, msg):
    if not cond:
        raise Failure(msg)


def run(argv, env_set=None, env_unset=(), cwd=None, shim="harmless", timeout=TIMEOUT):
    """Runs `lockgraph run ARGV` and returns the CompletedProcess (text mode)."""
    env = dict(os.environ)
    for k in list(env):
        if k.startswith("LOCKGRAPH_") or k == "LD_PRELOAD":
            del env[k]
    if shim == "harmless":
        env["LOCKGRAPH_SHIM"] = data("liblgrun_harmless.so")
    elif shim == "index":
        env["LOCKGRAPH_SHIM"] = data("liblgrun_index_writer.so")
    elif shim == "real":
        env["LOCKGRAPH_SHIM"] = ARGS.real_shim
    for k in env_unset:
        env.pop(k, None)
    env.update(env_set or {})
    # Own session, so that on a timeout PROG (not just the launcher) can be killed.
    proc = subprocess.Popen([ARGS.lockgraph, "run"] + argv, env=env, cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise Failure("`lockgraph run %s` still running after %d s" % (" ".join(argv), timeout))
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def data(name):
    return os.path.join(ARGS.data_dir, name)


def child_env(proc):
    """KEY=VALUE lines printed by `env` in the child."""
    out = {}
    for line in proc.stdout.splitlines():
        k, sep, v = line.partition("=")
        if sep:
            out[k] = v
    return out


def doc_flags():
    """Flags of the settings table of docs/cli.md, e.g. "stack-depth"."""
    with open(ARGS.docs) as f:
        text = f.read()
    return re.findall(r"^\| `--([a-z-]+)", text, re.M)


NOT_LOADED = "the shim did not load into"

# --------------------------------------------------------------------------------
# Suite "basic"


def test_help_lists_every_option():
    p = run(["--help"])
    expect(p.returncode == 0, "--help exited %d" % p.returncode)
    flags = doc_flags() + ["error-exitcode", "fail-on"]
    expect(len(flags) == 13, "docs/cli.md settings table changed? %s" % flags)
    for flag in flags:
        expect("--" + flag in p.stdout, "--help does not mention --%s:\n%s" % (flag, p.stdout))
    for var in re.findall(r"`(LOCKGRAPH_[A-Z_]+)", open(ARGS.docs).read()):
        if var not in ("LOCKGRAPH_RUN_ID", "LOCKGRAPH_RUN_INDEX"):
            expect(var in p.stdout, "--help does not name %s" % var)


def test_exit_status_passthrough():
    for script, want in (("exit 0", 0), ("exit 3", 3), ("kill -TERM $$", 143),
                         ("kill -KILL $$", 137)):
        p = run(["--", "sh", "-c", script])
        expect(p.returncode == want, "`%s`: exit %d, expected %d" % (script, p.returncode, want))


def test_signals_forwarded():
    """A signal sent to the launcher reaches PROG, whose status the launcher returns."""
    for sig, code in ((signal.SIGTERM, 7), (signal.SIGINT, 8), (signal.SIGHUP, 9)):
        env = dict(os.environ, LOCKGRAPH_SHIM=data("liblgrun_harmless.so"))
        with tempfile.TemporaryDirectory() as tmp:
            ready = os.path.join(tmp, "ready")
            script = ('trap "exit %d" %s; : > %s; while :; do sleep 0.05; done'
                      % (code, sig.name[3:], ready))
            proc = subprocess.Popen([ARGS.lockgraph, "run", "sh", "-c", script], env=env,
                                    stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 20
            while not os.path.exists(ready) and time.monotonic() < deadline:
                time.sleep(0.02)
            expect(os.path.exists(ready), "PROG never started")
            proc.send_signal(sig)
            try:
                rc = proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                raise Failure("%s was not forwarded: PROG still running" % sig.name)
            expect(rc == code, "%s: launcher exited %d, expected PROG's trap status %d"
                   % (sig.name, rc, code))


def test_preload_prepended():
    shim = data("liblgrun_harmless.so")
    p = run(["sh", "-c", 'printf "%s\\n" "$LD_PRELOAD"'])
    expect(p.stdout.strip() == shim, "LD_PRELOAD=%r, expected the shim alone" % p.stdout)
    libm = "/lib/x86_64-linux-gnu/libm.so.6"
    # (ASAN_OPTIONS: lets a LOCKGRAPH_SANITIZE build of lockgraph itself start with a
    # preload in front of its ASan runtime.)
    p = run(["sh", "-c", 'printf "%s\\n" "$LD_PRELOAD"'],
            env_set={"LD_PRELOAD": libm + " ", "ASAN_OPTIONS": "verify_asan_link_order=0"})
    expect(p.stdout.strip() == shim + ":" + libm,
           "LD_PRELOAD=%r, expected the shim first, then the user's" % p.stdout)
    expect(p.returncode == 0, "exit %d" % p.returncode)


def test_settings_from_flags():
    with tempfile.TemporaryDirectory() as tmp:
        os.mkdir(os.path.join(tmp, "out"))
        with open(os.path.join(tmp, "supp.txt"), "w") as f:
            f.write("# no suppressions\n")
        p = run(["--output", "out/lg.%p.log", "--stack-depth", "17", "--quiet", "--log-fd", "2",
                 "--trace-children=no", "--deadlock-ms", "250", "--on-deadlock", "wait",
                 "--deadlock-exitcode", "77", "--hold-threshold-ms", "0",
                 "--suppressions", "supp.txt", "--snapshot-interval-ms", "500", "--", "env"],
                cwd=tmp)
        expect(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr))
        env = child_env(p)
        want = {
            "LOCKGRAPH_OUTPUT": "out/lg.%p.log",
            "LOCKGRAPH_STACK_DEPTH": "17",
            "LOCKGRAPH_QUIET": "1",
            "LOCKGRAPH_LOG_FD": "2",
            "LOCKGRAPH_TRACE_CHILDREN": "no",
            "LOCKGRAPH_DEADLOCK_MS": "250",
            "LOCKGRAPH_ON_DEADLOCK": "wait",
            "LOCKGRAPH_DEADLOCK_EXITCODE": "77",
            "LOCKGRAPH_HOLD_THRESHOLD_MS": "0",
            # made absolute: PROG and its children may change directory
            "LOCKGRAPH_SUPPRESSIONS": os.path.join(os.path.realpath(tmp), "supp.txt"),
            "LOCKGRAPH_SNAPSHOT_INTERVAL_MS": "500",
        }
        for k, v in want.items():
            expect(env.get(k) == v, "%s=%r, expected %r" % (k, env.get(k), v))
        # One variable per documented setting, nothing undocumented.
        expect(len(want) == len(doc_flags()), "a documented setting is not tested")


def test_env_applies_unless_overridden():
    p = run(["env"], env_set={"LOCKGRAPH_STACK_DEPTH": "7"})
    expect(child_env(p).get("LOCKGRAPH_STACK_DEPTH") == "7", "inherited variable lost")
    p = run(["--stack-depth", "9", "env"], env_set={"LOCKGRAPH_STACK_DEPTH": "7"})
    expect(child_env(p).get("LOCKGRAPH_STACK_DEPTH") == "9", "flag did not override the variable")
    p = run(["env"])
    expect("LOCKGRAPH_STACK_DEPTH" not in child_env(p), "a default was written into the env")


def test_run_id_and_index():
    script = 'env; test -f "$LOCKGRAPH_RUN_INDEX" && echo INDEX_EXISTS'
    p1 = run(["sh", "-c", script])
    p2 = run(["sh", "-c", script])
    e1, e2 = child_env(p1), child_env(p2)
    for e in (e1, e2):
        expect(re.fullmatch(r"[0-9a-f]{32}", e.get("LOCKGRAPH_RUN_ID", "")),
               "LOCKGRAPH_RUN_ID=%r" % e.get("LOCKGRAPH_RUN_ID"))
        expect(os.path.isabs(e.get("LOCKGRAPH_RUN_INDEX", "")), "LOCKGRAPH_RUN_INDEX not absolute")
    expect(e1["LOCKGRAPH_RUN_ID"] != e2["LOCKGRAPH_RUN_ID"], "two runs got the same id")
    expect("INDEX_EXISTS" in p1.stdout, "the run index did not exist while PROG ran")
    expect(not os.path.exists(e1["LOCKGRAPH_RUN_INDEX"]), "the run index was left behind")


def test_bad_options():
    with tempfile.TemporaryDirectory() as tmp:
        marker = os.path.join(tmp, "ran")
        prog = ["sh", "-c", ": > " + marker]
        cases = [
            (["--stack-depth", "0"], "--stack-depth"),
            (["--stack-depth", "lots"], "--stack-depth"),
            (["--deadlock-ms", "-5"], "--deadlock-ms"),
            (["--on-deadlock", "ignore"], "--on-deadlock"),
            (["--trace-children=maybe"], "--trace-children"),
            (["--deadlock-exitcode", "300"], "--deadlock-exitcode"),
            (["--hold-threshold-ms", "x"], "--hold-threshold-ms"),
            (["--log-fd", "987"], "--log-fd"),
            (["--snapshot-interval-ms", "99"], "--snapshot-interval-ms"),
            (["--suppressions", os.path.join(tmp, "missing")], "--suppressions"),
            (["--output", ""], "--output"),
            (["--output", os.path.join(tmp, "no-such-dir", "lg.%p.log")], "no-such-dir"),
            (["--error-exitcode", "0"], "--error-exitcode"),
            (["--fail-on", "deadlock,races"], "races"),
            (["--no-such-option"], "--no-such-option"),
            ([], "missing PROG"),
        ]
        for opts, mention in cases:
            p = run(opts + (prog if opts else []))
            expect(p.returncode == 2, "%s: exit %d, expected 2" % (opts, p.returncode))
            expect(mention in p.stderr, "%s: message does not mention %r: %r"
                   % (opts, mention, p.stderr))
            expect(not os.path.exists(marker), "%s: PROG ran despite the bad option" % opts)


def test_options_after_prog_are_progs():
    p = run(["sh", "-c", 'echo "$@"', "x", "--quiet", "--stack-depth", "0"])
    expect(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr))
    expect(p.stdout.strip() == "--quiet --stack-depth 0", "PROG got %r" % p.stdout)
    p = run(["--", "sh", "-c", 'echo "$0"', "--"])
    expect(p.stdout.strip() == "--", "PROG got %r" % p.stdout)


def test_prog_not_runnable():
    p = run(["no-such-program-lockgraph-test"])
    expect(p.returncode == 127, "missing PROG: exit %d, expected 127" % p.returncode)
    with tempfile.TemporaryDirectory() as tmp:
        f = os.path.join(tmp, "not-exec")
        with open(f, "w") as fh:
            fh.write("data\n")
        os.chmod(f, 0o644)
        p = run([f])
        expect(p.returncode == 126, "non-executable PROG: exit %d, expected 126" % p.returncode)


def test_static_binary_warned():
    p = run([data("lgrun_hello_static")])
    expect(p.returncode == 0 and p.stdout == "hello\n", "static hello did not run: %r" % p.stdout)
    expect("is statically linked" in p.stderr, "no static-binary warning: %r" % p.stderr)
    expect(p.stderr.count("lockgraph: warning") == 1, "warned more than once: %r" % p.stderr)
    p = run([data("lgrun_hello")])
    expect("is statically linked" not in p.stderr, "dynamic program called static")


def test_not_loaded_warned():
    # Stand-in shim that records nothing: the launcher must notice.
    p = run([data("lgrun_hello")])
    expect(p.returncode == 0 and p.stdout == "hello\n", "hello did not run")
    expect(NOT_LOADED in p.stderr, "no warning that nothing was recorded: %r" % p.stderr)
    # Stand-in that writes the index line: no warning, and the log is announced.
    with tempfile.TemporaryDirectory() as tmp:
        p = run([data("lgrun_hello")], shim="index", cwd=tmp)
        expect(NOT_LOADED not in p.stderr, "false warning: %r" % p.stderr)
        m = re.search(r"lockgraph: 1 log written: (\S+)", p.stderr)
        expect(m, "log not announced: %r" % p.stderr)
        expect(m.group(1).startswith(os.path.realpath(tmp) + "/lockgraph."),
               "announced %r" % m.group(1))
        p = run(["--quiet", data("lgrun_hello")], shim="index", cwd=tmp)
        expect("log written" not in p.stderr, "--quiet still announces logs")


def test_asan_runtime_first():
    harmless = data("liblgrun_harmless.so")
    prog = data("lgrun_hello_asan")
    # Precondition: this program refuses to start with anything preloaded before ASan.
    env = dict(os.environ, LD_PRELOAD=harmless)
    direct = subprocess.run([prog, "preload"], env=env, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, timeout=TIMEOUT)
    expect(direct.returncode != 0 and "does not come first" in direct.stderr,
           "precondition: ASan accepted a foreign first preload: %r" % direct.stderr)
    p = run([prog, "preload"])
    expect(p.returncode == 0, "ASan program failed under the launcher: %s" % p.stderr)
    m = re.match(r"LD_PRELOAD=(.*)", p.stdout)
    expect(m, "no output: %r" % p.stdout)
    entries = m.group(1).split(":")
    expect(len(entries) == 2 and os.path.basename(entries[0]).startswith("libasan.so")
           and os.path.isabs(entries[0]) and entries[1] == harmless,
           "LD_PRELOAD=%r, expected the ASan runtime then the shim" % m.group(1))
    # A user who already preloads the ASan runtime (here for a program that does not
    # need it) keeps it in front of the shim.  (It has to be first for lockgraph too.)
    asan = entries[0]
    p = run([data("lgrun_hello"), "preload"],
            env_set={"LD_PRELOAD": asan + " /lib/x86_64-linux-gnu/libm.so.6"})
    expect(p.stdout.strip() == "LD_PRELOAD=%s:%s:/lib/x86_64-linux-gnu/libm.so.6"
           % (asan, harmless), "user's ASan preload not kept first: %r" % p.stdout)


def test_shim_location():
    # Default: ../lib/liblockgraph.so next to the lockgraph executable.
    exe_dir = os.path.dirname(os.path.realpath(ARGS.lockgraph))
    default = os.path.normpath(os.path.join(exe_dir, "..", "lib", "liblockgraph.so"))
    p = run(["sh", "-c", 'printf "%s\\n" "$LD_PRELOAD"'], shim=None,
            env_unset=("LOCKGRAPH_SHIM",))
    if os.path.exists(default):
        expect(p.stdout.strip() == default, "LD_PRELOAD=%r, expected %s" % (p.stdout, default))
    else:
        expect(p.returncode == 2 and default in p.stderr,
               "missing default shim: exit %d, %r" % (p.returncode, p.stderr))
    p = run(["true"], shim=None, env_set={"LOCKGRAPH_SHIM": "/nonexistent/liblockgraph.so"})
    expect(p.returncode == 2 and "/nonexistent/liblockgraph.so" in p.stderr,
           "missing shim: exit %d, %r" % (p.returncode, p.stderr))


BASIC = [test_help_lists_every_option, test_exit_status_passthrough, test_signals_forwarded,
         test_preload_prepended, test_settings_from_flags, test_env_applies_unless_overridden,
         test_run_id_and_index, test_bad_options, test_options_after_prog_are_progs,
         test_prog_not_runnable, test_static_binary_warned, test_not_loaded_warned,
         test_asan_runtime_first, test_shim_location]

# --------------------------------------------------------------------------------
# Suite "shim": the real liblockgraph.so


def bin_prog(name):
    path = os.path.join(ARGS.bin_dir, name)
    expect(os.path.exists(path), "%s not built" % path)
    return path


def announced_logs(stderr):
    m = re.search(r"lockgraph: \d+ logs? written: (.*)", stderr)
    return m.group(1).split() if m else []


def test_shim_fills_index():
    with tempfile.TemporaryDirectory() as tmp:
        os.mkdir(os.path.join(tmp, "rel"))
        p = run(["--output", "rel/lg.%p.log", bin_prog("tp_abba")], shim="real", cwd=tmp)
        expect(NOT_LOADED not in p.stderr, "the launcher saw no index line: %r" % p.stderr)
        logs = announced_logs(p.stderr)
        expect(len(logs) == 1, "logs announced: %r" % p.stderr)
        expect(logs[0].startswith(os.path.join(os.path.realpath(tmp), "rel", "lg.")),
               "relative --output not made absolute in the index: %r" % logs[0])
        expect(os.path.isfile(logs[0]), "announced log %s does not exist" % logs[0])


def test_error_exitcode():
    with tempfile.TemporaryDirectory() as tmp:
        p = run(["--error-exitcode", "66", bin_prog("tp_abba")], shim="real", cwd=tmp)
        expect(p.returncode == 66, "inversion with --error-exitcode 66: exit %d: %s"
               % (p.returncode, p.stderr))
        p = run([bin_prog("tp_abba")], shim="real", cwd=tmp)
        expect(p.returncode == 0, "without --error-exitcode: exit %d" % p.returncode)
        p = run(["--error-exitcode", "66", "--fail-on", "long-hold", bin_prog("tp_abba")],
                shim="real", cwd=tmp)
        expect(p.returncode == 0, "--fail-on long-hold on an inversion: exit %d" % p.returncode)
        p = run(["--error-exitcode", "66", data("lgrun_hello")], shim="real", cwd=tmp)
        expect(p.returncode == 0, "clean program: exit %d: %s" % (p.returncode, p.stderr))


def test_deadlock_policy_wins():
    with tempfile.TemporaryDirectory() as tmp:
        p = run(["--error-exitcode", "66", "--deadlock-ms", "300", bin_prog("real_deadlock")],
                shim="real", cwd=tmp, timeout=30)
        expect(p.returncode == 86, "deadlock with --error-exitcode 66: exit %d, expected 86: %s"
               % (p.returncode, p.stderr))
        # The precedence matters: the logs do hold a failing finding.
        logs = announced_logs(p.stderr)
        expect(logs, "no log announced: %r" % p.stderr)
        r = subprocess.run([ARGS.lockgraph, "report"] + logs, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=TIMEOUT)
        expect(r.returncode == 1, "report of the deadlocked run: exit %d, expected 1"
               % r.returncode)
        p = run(["--error-exitcode", "66", "--deadlock-ms", "300", "--deadlock-exitcode", "77",
                 bin_prog("real_deadlock")], shim="real", cwd=tmp, timeout=30)
        expect(p.returncode == 77, "--deadlock-exitcode 77: exit %d" % p.returncode)


def test_trace_children_no():
    hello = data("lgrun_hello")
    with tempfile.TemporaryDirectory() as tmp:
        p = run(["sh", "-c", 'exec "$0" preload', hello], shim="real", cwd=tmp)
        expect("liblockgraph.so" in p.stdout, "exec'd program not traced by default: %r"
               % p.stdout)
        p = run(["--trace-children=no", "sh", "-c", 'exec "$0" preload', hello], shim="real",
                cwd=tmp)
        expect("liblockgraph.so" not in p.stdout,
               "--trace-children=no still preloads the exec'd program: %r" % p.stdout)


def test_static_with_real_shim():
    with tempfile.TemporaryDirectory() as tmp:
        p = run([data("lgrun_hello_static")], shim="real", cwd=tmp)
        expect(p.returncode == 0, "exit %d" % p.returncode)
        expect("is statically linked" in p.stderr, "no warning: %r" % p.stderr)
        expect(not announced_logs(p.stderr), "a static program got a log?")


def test_deadlock_abort_policy():
    """--on-deadlock abort: PROG dies of SIGABRT (134) and that still beats
    --error-exitcode, because the shim's policy ended the run."""
    with tempfile.TemporaryDirectory() as tmp:
        p = run(["--error-exitcode", "66", "--deadlock-ms", "300", "--on-deadlock", "abort",
                 bin_prog("real_deadlock")], shim="real", cwd=tmp, timeout=30)
        expect(p.returncode == 128 + signal.SIGABRT, "exit %d, expected %d: %s"
               % (p.returncode, 128 + signal.SIGABRT, p.stderr))


def test_deadlock_exitcode_alone_is_not_the_policy():
    """PROG exiting with the deadlock exit code by itself (no END deadlock record) does
    not hide its findings from --error-exitcode."""
    with tempfile.TemporaryDirectory() as tmp:
        p = run(["--error-exitcode", "66", "sh", "-c", '"$0"; exit 86', bin_prog("tp_abba")],
                shim="real", cwd=tmp)
        expect(p.returncode == 66, "exit %d, expected 66: %s" % (p.returncode, p.stderr))


def test_summary_line():
    """run ends with one line counting the run's findings by kind and saying how to
    see them; --quiet leaves it out."""
    with tempfile.TemporaryDirectory() as tmp:
        p = run([bin_prog("tp_abba")], shim="real", cwd=tmp)
        lines = [l for l in p.stderr.splitlines() if l.startswith("lockgraph: 1 finding")]
        expect(len(lines) == 1, "no summary line: %r" % p.stderr)
        expect("(lock-order-inversion: 1) in 1 log; see lockgraph report " in lines[0],
               "summary: %r" % lines[0])
        log = lines[0].rsplit(" ", 1)[1]
        expect(os.path.isfile(log), "the summary names %s, which does not exist" % log)
        p = run([data("lgrun_hello")], shim="real", cwd=tmp)
        expect(re.search(r"^lockgraph: 0 findings in 1 log; see lockgraph report \S+$",
                         p.stderr, re.M), "clean run's summary: %r" % p.stderr)
        p = run(["--quiet", bin_prog("tp_abba")], shim="real", cwd=tmp)
        expect("finding" not in p.stderr, "--quiet printed a summary: %r" % p.stderr)


def test_quiet_gate_says_why():
    """With --quiet, a status lockgraph imposed is still explained, in one line."""
    with tempfile.TemporaryDirectory() as tmp:
        p = run(["--quiet", "--error-exitcode", "66", bin_prog("tp_abba")], shim="real", cwd=tmp)
        lines = [l for l in p.stderr.splitlines() if l.startswith("lockgraph:")]
        expect(p.returncode == 66 and len(lines) == 1, "exit %d, lines %r" % (p.returncode, lines))
        expect(lines[0].startswith("lockgraph: exit status 66: 1 finding (lock-order-inversion: 1)"
                                   " of a --fail-on kind"), "reason: %r" % lines[0])


def test_untraced_fails_the_gate():
    """A program lockgraph could not enter fails --error-exitcode (it was not checked),
    with the reason; without --error-exitcode it only warns."""
    with tempfile.TemporaryDirectory() as tmp:
        p = run(["--quiet", "--error-exitcode", "66", data("lgrun_hello_static")], shim="real",
                cwd=tmp)
        expect(p.returncode == 66, "static program with --error-exitcode 66: exit %d: %s"
               % (p.returncode, p.stderr))
        expect(re.search(r"^lockgraph: exit status 66: \S+lgrun_hello_static was not traced "
                         r"\(statically linked\)", p.stderr, re.M), "reason: %r" % p.stderr)
        p = run([data("lgrun_hello_static")], shim="real", cwd=tmp)
        expect(p.returncode == 0, "without --error-exitcode: exit %d" % p.returncode)


def test_deadlock_line_names_the_status():
    with tempfile.TemporaryDirectory() as tmp:
        p = run(["--quiet", "--deadlock-ms", "300", "--deadlock-exitcode", "77",
                 bin_prog("real_deadlock")], shim="real", cwd=tmp, timeout=30)
        expect(p.returncode == 77, "exit %d: %s" % (p.returncode, p.stderr))
        expect(re.search(r"^lockgraph: exit status 77: the shim ended \S+real_deadlock after a "
                         r"deadlock \(--on-deadlock=exit\)$", p.stderr, re.M),
               "no line naming the status: %r" % p.stderr)


SHIM = [test_shim_fills_index, test_error_exitcode, test_deadlock_policy_wins,
        test_deadlock_abort_policy, test_deadlock_exitcode_alone_is_not_the_policy,
        test_trace_children_no, test_static_with_real_shim, test_summary_line,
        test_quiet_gate_says_why, test_untraced_fails_the_gate,
        test_deadlock_line_names_the_status]


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--lockgraph", required=True)
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--docs", required=True)
    ap.add_argument("--bin-dir")
    ap.add_argument("--real-shim")
    ap.add_argument("--suite", choices=["basic", "shim"], default="basic")
    ap.add_argument("--only", help="run the tests whose name contains this")
    ARGS = ap.parse_args()
    # Tests change directory; every path given must survive that.
    for k in ("lockgraph", "data_dir", "docs", "bin_dir", "real_shim"):
        if getattr(ARGS, k):
            setattr(ARGS, k, os.path.abspath(getattr(ARGS, k)))
    tests = BASIC if ARGS.suite == "basic" else SHIM
    if ARGS.suite == "shim" and not (ARGS.real_shim and ARGS.bin_dir):
        ap.error("--suite shim needs --real-shim and --bin-dir")
    failed = 0
    for t in tests:
        if ARGS.only and ARGS.only not in t.__name__:
            continue
        try:
            t()
            print("PASS", t.__name__)
        except (Failure, subprocess.TimeoutExpired) as e:
            failed += 1
            print("FAIL %s: %s" % (t.__name__, e))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
