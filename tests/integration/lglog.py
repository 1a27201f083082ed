"""The test drivers' one reader of lockgraph logs: `lockgraph dump --format records`
(docs/log-format.md, "Machine-readable dump"), which decodes every record with the
same decoder as `lockgraph report` (common/log_records.c).  No driver takes record
bytes apart itself; each decides what a torn or unfinished log means for its checks."""
import subprocess

# Record type numbers by the names the dump prints (common/log_format.h).
REC_TYPES = {"HEADER": 1, "MODULE": 2, "MODULE_UNLOAD": 3, "STACK": 4, "THREAD": 5,
             "THREAD_EXIT": 6, "LOCK": 7, "LOCK_RETIRE": 8, "EDGE": 9, "CHAIN": 10,
             "CONTEXT": 11, "FINDING": 12, "STATS": 13, "END": 14, "LOSSES": 15,
             "STACK_CUT": 17, "WAITS": 18}
REC_TYPES["UNTRACED"] = 16  # an exec'd program the shim cannot enter
DUMP_TIMEOUT = 120

# The names of the contract the drivers match live reports and records against: the
# one Python copy of common/log_format.h's lists, held to the program's own tables
# (`lockgraph dump --names`) by check_names (ctest lint.python_names).  Plain
# constants, not read from the binary at import: ctest lists the cases at configure
# time, before lockgraph is built.
KINDS = ("lock-order-inversion", "deadlock", "self-deadlock", "bad-unlock",
         "destroy-locked", "long-hold", "bad-cond-wait", "use-after-destroy",
         "fork-held-lock", "exit-held-lock")
KIND_CODE = {k: i + 1 for i, k in enumerate(KINDS)}
FLAG_BITS = {"single_thread": 0x1, "timed": 0x2, "orphaned": 0x4, "still_held": 0x8,
             "cross_run": 0x10, "budget": 0x20, "not_owner": 0x40, "join": 0x80,
             "quiet": 0x100, "not_mutex": 0x200}
END_REASONS = {"exit": 1, "deadlock": 2, "exec": 3}


def check_names(lockgraph):
    """Differences between the tables above and `lockgraph dump --names` (empty: none)."""
    out = subprocess.run([lockgraph, "dump", "--names"], capture_output=True, text=True,
                         timeout=DUMP_TIMEOUT, check=True).stdout
    got = {}
    for line in out.splitlines():
        table, value, name = line.split(" ", 2)
        got.setdefault(table, {})[name] = int(value, 0)
    want = {"kind": KIND_CODE, "flag": FLAG_BITS, "end": END_REASONS}
    diffs = []
    for table, names in want.items():
        if got.get(table) != names:
            diffs.append("%s: lglog.py has %s, lockgraph has %s" % (table, names, got.get(table)))
    return diffs


def unescape(value):
    """A string field of the dump: printable bytes as is, the others as \\xHH."""
    out, i = bytearray(), 0
    raw = value.encode()
    while i < len(raw):
        if raw[i:i + 2] == b"\\x":
            out.append(int(raw[i + 2:i + 4], 16))
            i += 4
        else:
            out.append(raw[i])
            i += 1
    return bytes(out)


class Record:
    """One record: `type` (number), `name`, `off` (file offset) and its fields as the
    dump printed them (field names are those of docs/log-format.md)."""

    def __init__(self, line):
        words = line.split(" ")
        self.name = words[0]
        self.type = REC_TYPES[self.name]
        self.fields = dict(w.split("=", 1) for w in words[1:])
        self.off = int(self.fields.pop("off"))

    def int(self, key):
        return int(self.fields[key], 0)

    def bytes(self, key):
        return unescape(self.fields[key])

    def str(self, key):
        return self.bytes(key).decode(errors="replace")

    def items(self, key):
        """A list field: one tuple of ints per item (`a:b,c:d` -> [(a, b), (c, d)])."""
        value = self.fields[key]
        return [tuple(int(x, 0) for x in item.split(":")) for item in value.split(",")
                if item]


class Log:
    """Reads PATH through `LOCKGRAPH dump --format records`.  `records` are the
    records before the end, in file order; `how` says how the log ended: "end" (the
    last record ends the file), "unused" (zero-filled growth space of a process that
    did not finish) or "torn" (the file ends inside a record), and `offset` where;
    `warning` is what lockgraph said about it (it warns about torn logs and zero
    padding).  A log lockgraph cannot read (not a log, another version, a corrupt
    record before the end) raises ValueError with lockgraph's message, and so does a
    last record that is whole but fails its CRC: the shim copies records whole, so
    the drivers count that as damage, not as a process killed mid-copy."""

    def __init__(self, lockgraph, path):
        res = subprocess.run([lockgraph, "dump", "--format", "records", path],
                             stdin=subprocess.DEVNULL, capture_output=True, text=True,
                             timeout=DUMP_TIMEOUT)
        self.warning = res.stderr.strip()
        if res.returncode != 0:
            raise ValueError(self.warning or "lockgraph dump exited with %d" % res.returncode)
        self.records, self.how, self.offset = [], None, None
        for line in res.stdout.splitlines():
            if line.startswith("file "):
                continue
            if line.startswith("log "):
                end = dict(w.split("=", 1) for w in line.split(" ")[1:])
                self.how, self.offset = end["how"], int(end["offset"])
                if self.how == "torn_crc":
                    raise ValueError("CRC mismatch in the last record, at offset %d"
                                     % self.offset)
                continue
            self.records.append(Record(line))
        if self.how is None:
            raise ValueError("lockgraph dump printed no end line for %s" % path)


if __name__ == "__main__":
    import sys
    if len(sys.argv) != 3 or sys.argv[1] != "--check-names":
        print("usage: lglog.py --check-names LOCKGRAPH", file=sys.stderr)
        sys.exit(2)
    problems = check_names(sys.argv[2])
    for p in problems:
        print("FAIL: " + p)
    print("lglog names: %s" % ("differ" if problems else "agree with lockgraph dump --names"))
    sys.exit(1 if problems else 0)
