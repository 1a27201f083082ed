"""Validates `lockgraph report --format json` documents against the published schema
(docs/json-report.schema.json), for every JSON report the integration tests make.

The validator is the `jsonschema` package (Debian's python3-jsonschema, installed by
scripts/deps.sh).  When the interpreter running the tests lacks it (a pyenv or venv
Python), the document is validated by /usr/bin/python3, which has it.  A missing
validator is an error, never a silent pass.

As a script: json_schema.py [FILE...] validates files (or stdin); exit 0 valid,
1 invalid (errors on stdout), 2 no validator.
"""
import json
import os
import subprocess
import sys

SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                      "json-report.schema.json")
SYSTEM_PYTHON = "/usr/bin/python3"


def _errors_here(doc):
    import jsonschema  # noqa: E402  (optional at import time)
    with open(SCHEMA, encoding="utf-8") as fh:
        schema = json.load(fh)
    v = jsonschema.Draft202012Validator(schema)
    out = []
    for e in sorted(v.iter_errors(doc), key=lambda e: list(e.absolute_path)):
        # a oneOf/anyOf failure says only "is not valid under any of the given
        # schemas": name the most relevant failure inside it instead
        if e.context:
            e = jsonschema.exceptions.best_match(e.context)
        path = "/".join(str(p) for p in e.absolute_path) or "(top)"
        out.append("%s: %s" % (path, e.message[:300]))
    return out


def errors(doc):
    """List of schema violations of doc (parsed JSON), empty when valid."""
    try:
        import jsonschema  # noqa: F401
    except ImportError:
        if os.path.realpath(sys.executable) == os.path.realpath(SYSTEM_PYTHON) or \
                not os.path.exists(SYSTEM_PYTHON):
            raise RuntimeError("no JSON Schema validator: install python3-jsonschema "
                               "(scripts/deps.sh does)")
        p = subprocess.run([SYSTEM_PYTHON, os.path.abspath(__file__)],
                           input=json.dumps(doc), capture_output=True, text=True)
        if p.returncode == 2:
            raise RuntimeError("no JSON Schema validator in %s: %s" % (SYSTEM_PYTHON, p.stderr))
        return [l for l in p.stdout.splitlines() if l]
    return _errors_here(doc)


def check(doc, where):
    """Raises AssertionError naming where when doc violates the schema."""
    errs = errors(doc)
    if errs:
        raise AssertionError("%s: the JSON report violates docs/json-report.schema.json:\n  %s"
                             % (where, "\n  ".join(errs[:20])))


def main(argv):
    try:
        import jsonschema  # noqa: F401
    except ImportError:
        print("json_schema.py: the jsonschema module is missing", file=sys.stderr)
        return 2
    docs = [(p, open(p, encoding="utf-8").read()) for p in argv] or [("-", sys.stdin.read())]
    bad = 0
    for name, text in docs:
        errs = _errors_here(json.loads(text))
        for e in errs:
            print(e if name == "-" else "%s: %s" % (name, e))
        bad += bool(errs)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
