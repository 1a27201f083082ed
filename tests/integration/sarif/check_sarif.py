#!/usr/bin/env python3
"""Checks a lockgraph SARIF report for what GitHub code scanning needs beyond the
schema, and the multitool's verdict on it.

  check_sarif.py report REPORT.sarif SRCROOT_DIR KIND...
      every KIND has a result; URIs of files under SRCROOT_DIR are relative under
      SRCROOT and the base is SRCROOT_DIR as a file:// URI ending in '/'; no message
      carries an address or a pid; every cycle result has one code flow with one
      thread flow per edge whose locations nest and have one essential location per
      acquisition; rules have help in text and Markdown.
  check_sarif.py same A.sarif B.sarif KIND
      the KIND results of two reports of different runs read the same (messages).
  check_sarif.py schema REPORT.sarif SCHEMA.json
      REPORT is valid against the SARIF 2.1.0 JSON schema (the one the multitool
      package ships): the multitool skips a document it cannot read, with no result.
  check_sarif.py multitool OUTPUT.sarif
      the multitool's own SARIF log: no error, no warning but the ones allowed below.
"""
import json
import re
import sys

# A word "0x..." not after '+' (module/symbol offsets like prog+0x321 are stable).
ADDRESS = re.compile(r"(?<![+\w])0x[0-9a-fA-F]+\b")
PID = re.compile(r"\bpid\s*[=:]?\s*\d+")
# SARIF2005: the driver has no informationUri -- lockgraph has no published home
# page to point at (a made-up URL would be worse); a warning, not an error.
ALLOWED_WARNINGS = {"SARIF2005"}


def fail(msg):
    print("FAIL check_sarif: " + msg, file=sys.stderr)
    sys.exit(1)


def messages(node, path="$"):
    """Every message text in the document, with where it is."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "message" and isinstance(v, dict) and "text" in v:
                yield path + ".message", v["text"]
            else:
                yield from messages(v, path + "." + k)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from messages(v, "%s[%d]" % (path, i))


def uris(node):
    if isinstance(node, dict):
        if "artifactLocation" in node:
            yield node["artifactLocation"]
        for v in node.values():
            yield from uris(v)
    elif isinstance(node, list):
        for v in node:
            yield from uris(v)


def check_report(path, root, kinds):
    doc = json.load(open(path))
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    for r in rules:
        for m in ("shortDescription", "fullDescription"):
            if not r.get(m, {}).get("text"):
                fail("%s: rule %s has no %s" % (path, r["id"], m))
        h = r.get("help", {})
        if not h.get("text") or not h.get("markdown"):
            fail("%s: rule %s has no help text and markdown" % (path, r["id"]))
        p = r.get("properties", {})
        if not p.get("tags") or p.get("precision") not in ("very-high", "high", "medium", "low") \
                or p.get("problem.severity") not in ("error", "warning", "recommendation"):
            fail("%s: rule %s lacks GitHub's tags/precision/problem.severity" % (path, r["id"]))
    base = run.get("originalUriBaseIds", {}).get("SRCROOT", {}).get("uri")
    want = "file://" + root.rstrip("/") + "/"
    if base != want:
        fail("%s: originalUriBaseIds.SRCROOT is %r, expected %r" % (path, base, want))
    relative = 0
    for a in uris(run):
        u = a["uri"]
        if a.get("uriBaseId") == "SRCROOT":
            if u.startswith("/") or u.startswith("file:") or u.startswith(".."):
                fail("%s: URI %r under SRCROOT is not relative" % (path, u))
            relative += 1
        elif u.startswith("file://" + root.rstrip("/") + "/"):
            fail("%s: %r lies under the source root but is absolute" % (path, u))
        elif not u.startswith("file:///"):
            fail("%s: URI %r is neither under SRCROOT nor absolute" % (path, u))
    if not relative:
        fail("%s: no URI relative to SRCROOT" % path)
    for where, text in messages(run):
        if ADDRESS.search(text) or PID.search(text):
            fail("%s: %s carries an address or a pid: %r" % (path, where, text))
    results = run["results"]
    seen = {r["ruleId"] for r in results}
    for k in kinds:
        if k not in seen:
            fail("%s: no %s result (have %s)" % (path, k, sorted(seen)))
    for r in results:
        if not r.get("partialFingerprints", {}).get("lockgraph/v1"):
            fail("%s: a %s result has no partialFingerprints" % (path, r["ruleId"]))
        if r["ruleId"] not in ("lock-order-inversion", "deadlock"):
            continue
        flows = r.get("codeFlows", [])
        if len(flows) != 1:
            fail("%s: a %s result has %d code flows, expected 1" % (path, r["ruleId"], len(flows)))
        tfs = flows[0]["threadFlows"]
        if len(tfs) < 2:
            fail("%s: a %s result has %d thread flows, expected one per edge (>= 2)"
                 % (path, r["ruleId"], len(tfs)))
        for tf in tfs:
            locs = tf["locations"]
            essential = [l for l in locs if l.get("importance") == "essential"]
            # the held lock's acquisition, then the next lock's
            if len(essential) != 2:
                fail("%s: a thread flow of %s has %d essential locations, expected 2: %s"
                     % (path, r["ruleId"], len(essential), tf["message"]["text"]))
            if not essential[0]["location"]["message"]["text"].startswith("takes "):
                fail("%s: first step %r is not the held lock's acquisition"
                     % (path, essential[0]["location"]["message"]["text"]))
            if "while holding" not in essential[1]["location"]["message"]["text"]:
                fail("%s: second step %r does not say what is held"
                     % (path, essential[1]["location"]["message"]["text"]))
            if not any("physicalLocation" in l["location"] for l in essential):
                fail("%s: a thread flow of %s has no source line" % (path, r["ruleId"]))
            # nesting: each acquisition's frames from level 0 inwards, its site deepest
            # among its own callers
            level = -1
            for l in locs:
                n = l.get("nestingLevel")
                if n is None or (n != 0 and n != level + 1):
                    fail("%s: nestingLevel %r after %r in %s" % (path, n, level, tf["message"]["text"]))
                level = n
    print("check_sarif: %s: %d results (%s), %d relative URIs, messages clean"
          % (path, len(results), ", ".join(sorted(seen)), relative))


def check_same(a, b, kind):
    def texts(path):
        run = json.load(open(path))["runs"][0]
        return sorted(sorted(t for _, t in messages(r)) for r in run["results"] if r["ruleId"] == kind)
    ta, tb = texts(a), texts(b)
    if not ta:
        fail("%s: no %s result to compare" % (a, kind))
    if ta != tb:
        fail("the %s messages differ between two runs:\n%s\n%s" % (kind, ta, tb))
    print("check_sarif: %s messages identical across two runs (%d results)" % (kind, len(ta)))


def check_multitool(path):
    doc = json.load(open(path))
    bad = []
    if not doc.get("runs"):
        fail("%s: the multitool's output has no run: nothing was validated" % path)
    for run in doc.get("runs", []):
        for r in run.get("results", []):
            level = r.get("level", "warning")  # SARIF's default level
            rid = r.get("ruleId", "?")
            msg = r.get("message", {})
            text = msg.get("text") or " ".join(msg.get("arguments", []))
            line = "%s %s: %s" % (level, rid, text)
            print("multitool: " + line)
            if level == "error" or (level == "warning" and rid not in ALLOWED_WARNINGS):
                bad.append(line)
        inv = run.get("invocations", [{}])[0]
        if inv.get("executionSuccessful") is not True:
            bad.append("the multitool's run did not succeed")
        for n in inv.get("toolExecutionNotifications", []):
            if n.get("level") == "error":
                bad.append("tool error: %s" % n.get("message", {}).get("text"))
    if bad:
        fail("the SARIF multitool (Gh;Sarif) reports:\n  " + "\n  ".join(bad))
    print("check_sarif: multitool Gh;Sarif: no error")


def check_schema(path, schema_path):
    import jsonschema
    schema = json.load(open(schema_path))
    cls = jsonschema.validators.validator_for(schema)
    errors = sorted(cls(schema).iter_errors(json.load(open(path))), key=lambda e: list(e.path))
    if errors:
        fail("%s is not valid SARIF 2.1.0:\n  " % path + "\n  ".join(
            "%s: %s" % ("/".join(map(str, e.path)), e.message) for e in errors[:20]))
    print("check_sarif: %s: valid against %s" % (path, schema_path))


def main(argv):
    if len(argv) >= 4 and argv[1] == "report":
        check_report(argv[2], argv[3], argv[4:])
    elif len(argv) == 5 and argv[1] == "same":
        check_same(argv[2], argv[3], argv[4])
    elif len(argv) == 4 and argv[1] == "schema":
        check_schema(argv[2], argv[3])
    elif len(argv) == 3 and argv[1] == "multitool":
        check_multitool(argv[2])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main(sys.argv)
