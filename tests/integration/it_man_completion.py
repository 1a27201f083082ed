#!/usr/bin/env python3
"""The man pages and the bash completion agree with the program: every option that
`lockgraph run --help`, `lockgraph report --help` and `lockgraph --help` print
(the run options come from the settings table, common/settings.def) is documented
in the matching man page with, for each shim setting, its environment variable,
range and default as --help states them; no man page documents an option the
program lacks; every page renders without a groff warning; and the completion
script completes commands, options (from --help), choices and finding kinds.

  it_man_completion.py --lockgraph BIN --man-dir DIR --completion FILE
Exit status 0 pass, 1 fail.
"""
import argparse
import os
import re
import subprocess
import sys


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def help_text(lockgraph, *args):
    p = subprocess.run([lockgraph] + list(args), capture_output=True, text=True, timeout=30)
    return p.stdout + p.stderr


def options_of(text):
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", text))


def man_text(path):
    """The page as a reader sees it (groff's text output), checked for warnings."""
    p = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-rHY=0", "-rLL=200n", "-P", "-c", "-P", "-b", "-P", "-u", path],
                       capture_output=True, text=True, timeout=30)
    if p.returncode != 0 or p.stderr.strip():
        fail("%s: groff warns or fails:\n%s" % (path, p.stderr))
    # fold hyphenation and the typographic hyphens groff uses for \-
    return p.stdout.replace("\u2010", "-").replace("\u2212", "-")


def complete(script, line):
    """What bash's programmable completion offers for the command line `line`
    (completing its last word; a trailing space starts a new word)."""
    words = line.split(" ")
    prog = ("source %s\n" % script +
            "COMP_WORDS=(%s)\n" % " ".join("'%s'" % w for w in words) +
            "COMP_CWORD=%d\n" % (len(words) - 1) +
            "_lockgraph\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n")
    p = subprocess.run(["bash", "--norc", "-c", prog], capture_output=True, text=True, timeout=30)
    if p.returncode != 0:
        fail("completion of %r failed: %s" % (line, p.stderr))
    return set(l for l in p.stdout.splitlines() if l)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lockgraph", required=True)
    ap.add_argument("--man-dir", required=True)
    ap.add_argument("--completion", required=True)
    a = ap.parse_args()
    lg = a.lockgraph

    pages = {
        "lockgraph.1": help_text(lg, "--help"),
        "lockgraph-run.1": help_text(lg, "run", "--help"),
        "lockgraph-report.1": help_text(lg, "report", "--help"),
    }
    for page, helptext in pages.items():
        text = man_text(os.path.join(a.man_dir, page))
        have = options_of(helptext) - {"--help"}
        if page == "lockgraph.1":
            # `lockgraph --help` is a summary of the commands' options (each is
            # documented in its own page); the page documents the command's own
            have = {"--version"} & options_of(helptext) | {"--version"}
        documented = options_of(text)
        missing = sorted(have - documented)
        if missing:
            fail("%s does not document %s (from --help)" % (page, ", ".join(missing)))
        if page != "lockgraph.1":
            section = re.search(r"^OPTIONS\n(.*?)^[A-Z][A-Z ]+\n", text, re.S | re.M)
            if not section:
                fail("%s has no OPTIONS section" % page)
            extra = sorted(options_of(section.group(1)) - have - {"--help", "--version"})
            if extra:
                fail("%s documents %s, which the program does not have" % (page, ", ".join(extra)))

    # Each shim setting: --help says "[VAR, MIN..MAX, default D]"; the run page
    # must state the same variable, range and default under that option.
    run_help = pages["lockgraph-run.1"]
    run_man = man_text(os.path.join(a.man_dir, "lockgraph-run.1"))
    settings = re.findall(r"--([a-z-]+)(?:=\S+)?\s+.*?\[(LOCKGRAPH_[A-Z_]+)([^\]]*)\]", run_help)
    if len(settings) < 10:
        fail("expected the 10 shim settings in run --help, found %d" % len(settings))
    for flag, var, rest in settings:
        m = re.search(r"^\s*--%s\b.*?(?=^\s*--[a-z]|\Z)" % re.escape(flag), run_man, re.S | re.M)
        if not m:
            fail("lockgraph-run.1 has no entry for --%s" % flag)
        entry = " ".join(m.group(0).split())
        if var not in entry:
            fail("lockgraph-run.1: --%s does not name %s" % (flag, var))
        rng = re.search(r"(\d+)\.\.(\d+)", rest)
        if rng and rng.group(0) not in entry:
            fail("lockgraph-run.1: --%s does not state the range %s" % (flag, rng.group(0)))
        d = re.search(r"default (\S+)", rest)
        if d and ("default %s" % d.group(1)) not in entry:
            fail("lockgraph-run.1: --%s does not state 'default %s'" % (flag, d.group(1)))
        if var not in run_man.split("ENVIRONMENT", 1)[-1]:
            fail("lockgraph-run.1: ENVIRONMENT does not list %s" % var)

    # Completion: commands, options from --help, choices, kinds from dump --names.
    os.environ["PATH"] = os.path.dirname(os.path.abspath(lg)) + os.pathsep + os.environ["PATH"]
    c = a.completion
    if not {"run", "report", "dump"} <= complete(c, "lockgraph "):
        fail("no command completion: %s" % complete(c, "lockgraph "))
    run_opts = options_of(run_help) - {"--help"}
    got = {o.rstrip("=") for o in complete(c, "lockgraph run --")}
    if not run_opts <= got:
        fail("run option completion lacks %s" % sorted(run_opts - got))
    if complete(c, "lockgraph run --st") != {"--stack-depth="}:
        fail("'lockgraph run --st' completes to %s" % complete(c, "lockgraph run --st"))
    fmts = complete(c, "lockgraph report --format ")
    report_formats = re.search(r"--format=FORMAT\s+Output format: ([^\n]+)", pages["lockgraph-report.1"])
    want = {w.strip().split(" ")[0] for w in report_formats.group(1).split(",")}
    if fmts != want:
        fail("format completion %s, report --help lists %s" % (sorted(fmts), sorted(want)))
    kinds = complete(c, "lockgraph report --fail-on=")
    if not {"lock-order-inversion", "deadlock", "all", "none"} <= kinds:
        fail("--fail-on completion: %s" % sorted(kinds))
    if complete(c, "lockgraph run --on-deadlock=") != {"exit", "abort", "wait"}:
        fail("--on-deadlock completion: %s" % complete(c, "lockgraph run --on-deadlock="))
    # after PROG, nothing of lockgraph's is offered
    after = complete(c, "lockgraph run --quiet --output /tmp/x ls --")
    if any(o.startswith("--stack") for o in after):
        fail("options of lockgraph offered after PROG: %s" % sorted(after))
    print("man pages and completion agree with --help (%d settings)" % len(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
