#!/usr/bin/env python3
"""Holds the tree to docs/architecture.md: every room includes only its own headers
and those of the rooms below it, and no project source is compiled twice.

  check_layers.py SRC_DIR [COMPILE_COMMANDS_JSON]

Each quoted #include is resolved the way the build resolves it (the including
file's folder, then the include folders its room may see); an include that resolves
only in a room the file may not see, or that climbs with "../", is an error.  With
compile_commands.json, a source that appears in two compile commands is an error
unless it is test data built several ways on purpose (listed below).
Exit status: 0 clean, 1 violations (listed on stdout), 2 usage.
"""
import json
import os
import re
import sys

# room -> the rooms whose headers it may include (its own always).  The order of
# this table is the direction of the tree: a room names only rooms above it here.
ROOMS = {
    "common": [],
    "shim/detect": ["common"],
    "shim/glibc": ["shim/detect", "common"],  # shim/glibc_abi.h: glibc's layouts -> core inputs
    "shim/hooks": ["shim/detect", "common", "shim/base", "shim/glibc"],
    "shim/host": ["shim/detect", "common", "shim/base", "shim/glibc"],
    "shim/base": ["shim/detect", "shim/hooks", "shim/host", "common", "shim/glibc"],
    "shim/floor": ["shim/base"],
    "analyzer/symbolize": [],
    "analyzer/report/read": ["common"],
    "analyzer/report/resolve": ["analyzer/report/read", "analyzer/symbolize", "common"],
    "analyzer/report/analyze": ["analyzer/report/resolve", "analyzer/report/read",
                                "analyzer/symbolize", "common"],
    "analyzer/report/present": ["analyzer/report/analyze", "analyzer/report/resolve",
                                "analyzer/report/read", "analyzer/symbolize", "common"],
    "analyzer/report": ["analyzer/report/present", "analyzer/report/analyze",
                        "analyzer/report/resolve", "analyzer/report/read", "common",
                        "analyzer/commands"],
    "analyzer/run": ["analyzer/commands", "common"],
    "analyzer/commands": ["analyzer/run", "analyzer/report"],
}

# Headers the build generates (not in the source tree).
GENERATED = {"lg_commit.h"}

# Sources built more than once on purpose: test data compiled several ways.
BUILT_SEVERAL_WAYS = {
    "tests/run/data/hello.c",             # dynamic, static, ASan, $ORIGIN runpath
    "tests/symbolize/data/symtest_lib.c",  # two builds with different build-ids
    "tests/programs/capture_helper.c",     # -O0 and -O2 (it_capture.py)
    "tests/programs/capture_helper.cpp",   # -O0 and -O2 (it_capture.py)
    "tests/soak/soak_plugin.c",            # plugins a and b (soak.py, case dlclose)
    "tests/programs/dlclose_rules_plugin.c",  # two frame sizes (it_dlclose_rules.py)
    "tests/programs/two_ctors.c",          # -O0 and -O2 (it_init_site.py)
    "tests/programs/two_ctors.cpp",        # -O0 and -O2 (it_init_site.py)
}


def folder_of(room):
    """The folder holding a room's files (three rooms are some files of a folder)."""
    return {"shim/base": "shim", "analyzer/commands": "analyzer",
            "shim/glibc": "shim"}.get(room, room)


def room_of(rel):
    d = os.path.dirname(rel)
    if rel == "shim/glibc_abi.h":
        return "shim/glibc"
    if d == "shim":
        return "shim/base"
    if d == "analyzer":
        return "analyzer/commands"
    return d if d in ROOMS else None


def headers_by_room(src):
    rooms = {}
    for room in ROOMS:
        folder = folder_of(room)
        path = os.path.join(src, folder)
        if not os.path.isdir(path):
            continue
        names = set()
        for f in os.listdir(path):
            if not f.endswith(".h") and not f.endswith(".def"):
                continue
            rel = os.path.join(folder, f)
            if room_of(rel) == room:
                names.add(f)
        rooms[room] = names
    return rooms


def check_includes(src):
    errors = []
    headers = headers_by_room(src)
    inc = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
    for room in ROOMS:
        folder = folder_of(room)
        path = os.path.join(src, folder)
        if not os.path.isdir(path):
            continue
        for f in sorted(os.listdir(path)):
            rel = os.path.join(folder, f)
            if not f.endswith((".c", ".h", ".def")) or room_of(rel) != room:
                continue
            with open(os.path.join(src, rel), encoding="utf-8") as fh:
                for n, line in enumerate(fh, 1):
                    m = inc.match(line)
                    if not m:
                        continue
                    name = m.group(1)
                    if "/" in name:
                        errors.append(f"{rel}:{n}: includes \"{name}\": a path; "
                                      "rooms are reached through include folders")
                        continue
                    if name in GENERATED:
                        continue
                    seen = [room] + ROOMS[room]
                    if any(name in headers.get(r, ()) for r in seen):
                        continue
                    owners = [r for r, hs in headers.items() if name in hs]
                    if owners:
                        errors.append(f"{rel}:{n}: includes \"{name}\" of room "
                                      f"{owners[0]}, which {room} may not see")
                    else:
                        errors.append(f"{rel}:{n}: includes \"{name}\", found in no room")
    return errors


def check_compiled_once(src, db_path):
    with open(db_path, encoding="utf-8") as fh:
        db = json.load(fh)
    count = {}
    src = os.path.realpath(src)
    for entry in db:
        f = os.path.realpath(os.path.join(entry.get("directory", ""), entry["file"]))
        if not f.startswith(src + os.sep):
            continue
        rel = os.path.relpath(f, src)
        count[rel] = count.get(rel, 0) + 1
    return [f"{rel}: compiled {n} times" for rel, n in sorted(count.items())
            if n > 1 and rel not in BUILT_SEVERAL_WAYS]


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    errors = check_includes(argv[1])
    if len(argv) == 3:
        errors += check_compiled_once(argv[1], argv[2])
    for e in errors:
        print(e)
    print(f"check_layers: {len(errors)} violation(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
