#!/usr/bin/env python3
"""Proves that each interposed entry point's hook fires (after helgrind's
tc20_verifywrap): runs tests/programs/verify_wrap.c under the shim and checks, in
`lockgraph dump` of its log, the trace each call must leave.

usage: it_verify_wrap.py PROGRAM LOCKGRAPH SHIM"""
import os
import subprocess
import sys
import tempfile

RETIRE = {"destroy": 1, "reinit": 2, "freed": 3}
# The exec entry points in the order verify_wrap.c's chain of images uses them:
# image n calls EXEC_CHAIN[n] to start image n + 1.
EXEC_CHAIN = ["execve", "execvp", "execvpe", "fexecve", "execl", "execlp", "execle"]


def parse_stdout(text):
    """{name: address}, the other lines, {image: pid}, and the forked child's pid."""
    addr, other, images, child = {}, [], {}, None
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].startswith("0x"):
            addr[parts[0]] = int(parts[1], 16)
        elif len(parts) == 4 and parts[0] == "image" and parts[2] == "pid":
            images[int(parts[1])] = int(parts[3])
        elif len(parts) == 2 and parts[0] == "child":
            child = int(parts[1])
        else:
            other.append(line)
    return addr, other, images, child


def read_dump(lockgraph, path):
    """`lockgraph dump` of one log: its process line's fields, locks, edges, threads.
    A log without an END record still dumps (with a warning): the END is checked."""
    dump = subprocess.run([lockgraph, "dump", path], capture_output=True, text=True)
    process = None
    locks = []          # dicts from "lock" lines
    edges = []          # (from_addr, to_addr, held, acquired, flags)
    threads = []
    by_id = {}
    for line in dump.stdout.splitlines():
        kind, *fields = line.split()
        kv = dict(f.split("=", 1) for f in fields if "=" in f)
        flags = [f for f in fields if "=" not in f]
        if kind == "process":
            process = kv
        elif kind == "lock":
            kv["addr"] = int(kv["addr"], 16)
            locks.append(kv)
            by_id[kv["id"]] = kv
        elif kind == "edge":
            edges.append((by_id[kv["from"]]["addr"], by_id[kv["to"]]["addr"], kv["held"],
                          kv["acquired"], tuple(flags)))
        elif kind == "thread":
            threads.append(kv)
    if process is None:
        sys.exit("lockgraph dump %s failed: %s" % (path, dump.stderr))
    return process, locks, edges, threads


def main():
    prog, lockgraph, shim = sys.argv[1:4]
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LOCKGRAPH_")}
        env.update(LD_PRELOAD=shim, LOCKGRAPH_OUTPUT=os.path.join(tmp, "lg.%p.log"),
                   LOCKGRAPH_QUIET="1")
        run = subprocess.run([prog], env=env, capture_output=True, text=True, timeout=60)
        if run.returncode != 0:
            sys.exit("verify_wrap exited %d: %s" % (run.returncode, run.stderr))
        addr, other, images, child = parse_stdout(run.stdout)
        if sorted(images) != list(range(len(EXEC_CHAIN) + 1)) or child is None:
            sys.exit("verify_wrap did not run its whole chain of images: %s" % run.stdout)
        pid = images[0]
        # image 0 writes lg.PID.log, image n the next free name lg.PID.n.log
        paths = [os.path.join(tmp, "lg.%d.log" % pid if n == 0 else "lg.%d.%d.log" % (pid, n))
                 for n in range(len(EXEC_CHAIN) + 1)]
        paths.append(os.path.join(tmp, "lg.%d.log" % child))
        found = sorted(os.listdir(tmp))
        if sorted(os.path.basename(p) for p in paths) != found:
            sys.exit("expected the logs %s, found %s" % ([os.path.basename(p) for p in paths], found))
        dumps = [read_dump(lockgraph, p) for p in paths]

    _, locks, edges, threads = dumps[0]
    failures = []

    def edge(frm, to, held, acquired, flags=(), kind=None):
        want = (addr[frm], addr[to], held, acquired, tuple(flags))
        if want not in edges:
            seen = [e for e in edges if e[0] == addr[frm] and e[1] == addr[to]]
            failures.append("edge %s -> %s %s/%s %s: missing (seen %s)"
                            % (frm, to, held, acquired, list(flags), seen))
        if kind:
            k = [l["kind"] for l in locks if l["addr"] == addr[to]]
            if kind not in k:
                failures.append("%s: kind %s expected, log says %s" % (to, kind, k))

    def retired(name, reason, gen=None):
        recs = [l for l in locks if l["addr"] == addr[name] and (gen is None or l["gen"] == str(gen))]
        if not any(l["retired"] == str(RETIRE[reason]) for l in recs):
            failures.append("%s: no instance retired by %s (log: %s)" % (name, reason, recs))

    # pthread_mutex_*
    edge("m_outer", "m_lock", "mutex", "mutex", kind="mutex")            # lock
    edge("m_outer", "m_try", "mutex", "mutex", ["try"])                  # trylock
    edge("m_outer", "m_timed", "mutex", "mutex", ["timed"])              # timedlock
    edge("m_outer", "m_clock", "mutex", "mutex", ["timed"])              # clocklock
    if any(e[0] == addr["m_outer"] and e[1] == addr["m_after"] for e in edges):
        failures.append("unlock: m_outer still held when m_after was taken")
    retired("m_init", "reinit", gen=1)                                   # init
    retired("m_init", "destroy", gen=2)                                  # destroy
    if "robust lock=130 consistent=0 again=0" not in other:              # consistent
        failures.append("robust mutex through the shim: %s" % other)
    # pthread_rwlock_*
    edge("rw_outer", "rw0", "write", "read", kind="rwlock")              # rdlock
    edge("rw_outer", "rw1", "write", "write")                            # wrlock
    edge("rw_outer", "rw2", "write", "read", ["try"])                    # tryrdlock
    edge("rw_outer", "rw3", "write", "write", ["try"])                   # trywrlock
    edge("rw_outer", "rw4", "write", "read", ["timed"])                  # timedrdlock
    edge("rw_outer", "rw5", "write", "write", ["timed"])                 # timedwrlock
    edge("rw_outer", "rw6", "write", "read", ["timed"])                  # clockrdlock
    edge("rw_outer", "rw7", "write", "write", ["timed"])                 # clockwrlock
    retired("rw0", "destroy")                                            # init + destroy
    # pthread_spin_*
    edge("s_outer", "s_lock", "spin", "spin", kind="spinlock")           # lock
    edge("s_outer", "s_try", "spin", "spin", ["try"])                    # trylock
    retired("s_lock", "destroy")                                         # init + destroy
    # lockgraph_annotate_* (<lockgraph/annotate.h>)
    edge("a_outer", "a_lock", "mutex", "mutex", kind="annotated")        # before/after_lock
    edge("a_outer", "a_try", "mutex", "mutex", ["try"])                  # TRY
    edge("a_outer", "a_read", "mutex", "read")                           # READ
    edge("a_outer", "a_timed", "mutex", "mutex", ["timed"])              # TIMED
    edge("a_outer", "a_rec", "mutex", "mutex")
    if any(e[0] == addr["a_lock"] for e in edges):                       # before_unlock
        failures.append("before_unlock: a_lock still held afterwards")
    if "annotated recursive levels=2 then 1 1" not in other:             # RECURSIVE_*
        failures.append("recursive levels through the shim: %s" % other)
    a_rec = [l for l in locks if l["addr"] == addr["a_rec"]]
    if not a_rec or any(l["subkind"] != "recursive" for l in a_rec):
        failures.append("create(WRITE_REENTRANT): a_rec is not recursive: %s" % a_rec)
    retired("a_gone", "destroy")                                         # destroy
    # pthread_cond_*: the re-acquire of the mutex while another lock is held
    edge("wake_h", "wake_m", "mutex", "mutex")                           # wait
    edge("t_h", "t_m", "mutex", "mutex")                                 # timedwait
    edge("c_h", "c_m", "mutex", "mutex")                                 # clockwait
    # C11
    edge("x_outer", "x_lock", "mutex", "mutex", kind="mtx")              # mtx_lock
    edge("x_outer", "x_try", "mutex", "mutex", ["try"])                  # mtx_trylock
    edge("x_outer", "x_timed", "mutex", "mutex", ["timed"])              # mtx_timedlock
    edge("x_h2", "x_tw", "mutex", "mutex")                               # cnd_timedwait
    retired("x_lock", "destroy")                                         # mtx_init/destroy
    edge("x_wh", "x_wm", "mutex", "mutex")                               # cnd_wait
    # stdio
    edge("f_outer", "stdout", "mutex", "mutex", kind="file")             # flockfile
    edge("f_outer", "stderr", "mutex", "mutex", ["try"])                 # ftrylockfile
    # memory
    retired("heap", "freed")                                             # free
    retired("mapped", "freed")                                           # munmap
    retired("r_heap", "freed")                                           # realloc
    if "realloc ok" not in other:
        failures.append("realloc through the shim failed: %s" % other)
    # GLib (glib_wrap.c)
    edge("g_outer", "g_lock", "mutex", "mutex", kind="mutex")            # g_mutex_lock
    edge("g_outer", "g_try", "mutex", "mutex", ["try"])                  # g_mutex_trylock
    if any(e[0] == addr["g_outer"] and e[1] == addr["g_after"] for e in edges):
        failures.append("g_mutex_unlock: g_outer still held when g_after was taken")
    retired("g_init", "reinit", gen=1)                                   # g_mutex_init
    retired("g_init", "destroy", gen=2)                                  # g_mutex_clear
    edge("g_wh", "g_wm", "mutex", "mutex")                               # g_cond_wait
    edge("g_uh", "g_um", "mutex", "mutex")                               # g_cond_wait_until
    # OpenMP (omp_wrap.c)
    edge("o_outer", "o_lock", "mutex", "mutex", kind="mutex")            # omp_set_lock
    edge("o_outer", "o_try", "mutex", "mutex", ["try"])                  # omp_test_lock
    if any(e[0] == addr["o_outer"] and e[1] == addr["o_after"] for e in edges):
        failures.append("omp_unset_lock: o_outer still held when o_after was taken")
    edge("n_outer", "n_lock", "mutex", "mutex")                          # omp_set_nest_lock
    edge("n_outer", "n_try", "mutex", "mutex", ["try"])                  # omp_test_nest_lock
    if not any(l["addr"] == addr["n_lock"] and l.get("subkind") == "recursive" for l in locks):
        failures.append("nest lock not recorded recursive: %s"
                        % [l for l in locks if l["addr"] == addr["n_lock"]])
    retired("o_lock", "reinit")                                          # omp_init_lock
    retired("o_try", "destroy")                                          # omp_destroy_lock
    retired("n_lock", "destroy")                                         # omp_destroy_nest_lock
    retired("n_try", "reinit")                                           # omp_init_nest_lock
    edge("crit_name", "o_in_named", "mutex", "mutex")                    # GOMP_critical_name_*
    known = set(addr.values())
    if not any(e[1] == addr["o_in_crit"] and e[0] not in known for e in edges):  # GOMP_critical_*
        failures.append("GOMP_critical_start: no edge from the unnamed critical section to "
                        "o_in_crit (edges to it: %s)" % [e for e in edges if e[1] == addr["o_in_crit"]])
    # threads
    if sum(1 for t in threads if t["creator"] == "1") < 2:               # pthread_create
        failures.append("pthread_create: threads with creator 1: %s" % threads)

    # the ends of images: exec*, then _exit (image 7) and _Exit (its forked child)
    def ended(n, hook, want):
        process = dumps[n][0]
        if process["end"] != want:
            failures.append("%s: the log of the image that called it ends with end=%s, "
                            "expected end=%s" % (hook, process["end"], want))
    for n, hook in enumerate(EXEC_CHAIN):
        ended(n, hook, "exec")
    ended(len(EXEC_CHAIN), "_exit", "exit")
    ended(len(EXEC_CHAIN) + 1, "_Exit", "exit")
    if dumps[-1][0]["ppid"] != str(pid):
        failures.append("_Exit: the child's log names ppid %s, expected %d" % (dumps[-1][0]["ppid"], pid))

    if failures:
        print("\n".join("FAIL " + f for f in failures))
        sys.exit(1)
    print("verify_wrap: every hook left its trace (%d locks, %d edges, %d logs)"
          % (len(locks), len(edges), len(dumps)))


if __name__ == "__main__":
    main()
