/* lockgraph log format, version 1: the contract between the shim (writer) and the
 * analyzer (reader).  docs/log-format.md is the prose version of this header; change
 * both together, and bump LG_LOG_VERSION for anything an old reader would misread.
 *
 * Invariants
 *  - A file is the 16-byte file header followed by records.  The shim copies each
 *    record whole, one writer at a time, into a MAP_SHARED mapping of the file (grown
 *    in zero-filled chunks), so records of concurrent threads never interleave; a
 *    process killed mid-copy leaves a torn last record, and one that never finished
 *    leaves zero padding after its last record (the file is cut to length only at a
 *    clean end).
 *  - Every record is framed: 12-byte header {type u16, reserved u16 = 0, len u32,
 *    crc u32} then len payload bytes.  crc is CRC-32 (IEEE, as zlib) over the first
 *    8 header bytes followed by the payload.  A reader can therefore tell a torn
 *    tail (file ends inside a record) from corruption (bad crc, unknown type or
 *    absurd length before the end).
 *  - All integers are little-endian, fixed width.  Strings and byte strings are a
 *    u32 length followed by that many bytes (no terminator).
 *  - Ids are assigned by the writer, unique within one file, and every record that
 *    names an id comes after the record that defines it (a STACK before the LOCK
 *    that cites it, a CHAIN before the CONTEXT ...).  Id 0 means "none".
 *  - PCs in STACK records are call sites: return address minus one, innermost first,
 *    the shim's own frames removed.
 *  - common/log_records.h is the one encoder and decoder of these payloads.
 */
#ifndef LOCKGRAPH_LOG_FORMAT_H
#define LOCKGRAPH_LOG_FORMAT_H

#include <stdint.h>

#define LG_LOG_MAGIC "LOCKGRPH"      /* 8 bytes, no NUL */
#define LG_LOG_VERSION 1u
#define LG_FILE_HEADER_SIZE 16u       /* magic[8] version u32 flags u32 */
#define LG_REC_HEADER_SIZE 12u
#define LG_REC_MAX_PAYLOAD (16u << 20) /* larger len = corruption */
/* The shim grows its log file by whole chunks of this size (zero-filled until
 * written), so a log's length is a multiple of it until the end cuts the file. */
#define LG_LOG_CHUNK (1u << 20)

enum lg_rec_type {
    LG_REC_HEADER = 1,        /* process image: once, first record */
    LG_REC_MODULE = 2,        /* a loaded module (initial map, dlopen) */
    LG_REC_MODULE_UNLOAD = 3, /* dlclose */
    LG_REC_STACK = 4,         /* interned call stack */
    LG_REC_THREAD = 5,        /* thread start */
    LG_REC_THREAD_EXIT = 6,   /* thread end, with the locks it still held */
    LG_REC_LOCK = 7,          /* first use of a lock instance (address, generation) */
    LG_REC_LOCK_RETIRE = 8,   /* instance ends: destroy, re-init, memory reused */
    LG_REC_EDGE = 9,          /* new lock-order edge held -> acquired */
    LG_REC_CHAIN = 10,        /* interned set of held locks (with modes) */
    LG_REC_CONTEXT = 11,      /* new context of an edge: (thread, chain, modes) */
    LG_REC_FINDING = 12,      /* something the shim reported live */
    LG_REC_STATS = 13,        /* per-lock statistics snapshot (latest wins) */
    LG_REC_END = 14,          /* clean end of the process image */
    LG_REC_LOSSES = 15,       /* what the shim itself lost (only when something was) */
    LG_REC_UNTRACED = 16,     /* this image exec'd a program the shim cannot enter */
    LG_REC_STACK_CUT = 17,    /* a STACK whose outer frames are unknown (held-lock stacks) */
    LG_REC_WAITS = 18,        /* how long each thread of the deadlock FINDING before it waited */
    LG_REC_TYPE_MAX = 18
};

/* The enumerations users see by name are X-macro lists: one row per value, with
 * the stable name that reports, JSON and `lockgraph dump --names` print.  The enum
 * below each list is generated from it, and so are the name tables of names.c, so a
 * value cannot exist without its name (lockdep's lockdep_states.h pattern).  Add a
 * value by adding a row; its number goes into the log, so it never changes. */

/* Lock kinds (LOCK.kind). */
#define LG_LOCK_KINDS(X)                                            \
    X(LG_KIND_MUTEX, 1, "mutex")     /* pthread_mutex_t (std::mutex ...) */ \
    X(LG_KIND_RWLOCK, 2, "rwlock")   /* pthread_rwlock_t (std::shared_mutex) */ \
    X(LG_KIND_SPIN, 3, "spinlock")   /* pthread_spinlock_t */        \
    X(LG_KIND_MTX, 4, "mtx")         /* C11 mtx_t */                 \
    X(LG_KIND_FILE, 5, "file")       /* stdio FILE lock (flockfile) */ \
    /* a program's own lock, described by <lockgraph/annotate.h> (16: apart from \
     * the kinds of hooked APIs, which count up from 6) */          \
    X(LG_KIND_ANNOTATED, 16, "annotated")
#define LG_ENUM_ROW_(id, value, name) id = value,
enum lg_lock_kind { LG_LOCK_KINDS(LG_ENUM_ROW_) };

/* LOCK.subkind: the mutex type for mutexes, the preference for rwlocks. */
#define LG_LOCK_SUBKINDS(X)                                         \
    X(LG_SUB_NORMAL, 0, "normal")                                   \
    X(LG_SUB_RECURSIVE, 1, "recursive")                             \
    X(LG_SUB_ERRORCHECK, 2, "errorcheck")                           \
    X(LG_SUB_ADAPTIVE, 3, "adaptive")                               \
    /* glibc default: readers never wait for waiting writers */     \
    X(LG_SUB_RW_PREFER_READER, 0x10, "prefer-reader")               \
    /* PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP */              \
    X(LG_SUB_RW_PREFER_WRITER, 0x11, "prefer-writer")
enum lg_lock_subkind { LG_LOCK_SUBKINDS(LG_ENUM_ROW_) };

/* LOCK.flags.  Readers ignore bits they do not know (older logs write 0). */
#define LG_LOCKF_INIT_SITE 0x1u /* class and name from the init site: the record was made by
                                   a hooked *_init call and class_stack_id (= first_stack_id)
                                   is the init's stack, not the first use's */

/* How a lock is held or requested.  Values are stable (they are in the log). */
#define LG_MODES(X)                                                 \
    X(LG_MODE_EXCL, 1, "mutex")   /* mutex, mtx, FILE lock */       \
    X(LG_MODE_READ, 2, "read")    /* rwlock read side */            \
    X(LG_MODE_WRITE, 3, "write")  /* rwlock write side */           \
    X(LG_MODE_SPIN, 4, "spin")    /* spinlock */
enum lg_mode { LG_MODES(LG_ENUM_ROW_) };

/* CONTEXT.flags: how the acquired ("to") lock was taken in this context. */
#define LG_CTXF_TRY 0x1u   /* trylock: cannot block, so the edge cannot close a deadlock */
#define LG_CTXF_TIMED 0x2u /* timed/clock lock: a deadlock through it ends in a timeout */
/* The context's stack is the one first seen on its code path (the shim's stack
 * depot, docs/shim.md "Stack depot"), not captured for this context. */
#define LG_CTXF_STACK_FIRST 0x4u

/* LOCK class key types (LOCK.class_type). */
enum lg_class_type {
    LG_CLASS_STATIC = 1, /* lock in a module's data: (module build-id, offset) */
    LG_CLASS_SITE = 2    /* heap/stack lock: interned stack of its init (LOCK.flags
                            LG_LOCKF_INIT_SITE) or first use */
};

/* LOCK_RETIRE.reason */
enum lg_retire_reason {
    LG_RETIRE_DESTROY = 1, /* *_destroy succeeded */
    LG_RETIRE_REINIT = 2,  /* *_init on a known address */
    LG_RETIRE_FREED = 3,   /* the memory holding it was freed or unmapped */
    LG_RETIRE_STACK = 4    /* the stack frame holding it returned */
};

/* Finding kinds: the names are the user-visible contract (reports, --fail-on). */
#define LG_FINDING_KINDS(X)                                         \
    X(LG_FIND_LOCK_ORDER_INVERSION, 1, "lock-order-inversion")      \
    X(LG_FIND_DEADLOCK, 2, "deadlock")                              \
    X(LG_FIND_SELF_DEADLOCK, 3, "self-deadlock")                    \
    X(LG_FIND_BAD_UNLOCK, 4, "bad-unlock")                          \
    X(LG_FIND_DESTROY_LOCKED, 5, "destroy-locked")                  \
    X(LG_FIND_LONG_HOLD, 6, "long-hold")                            \
    X(LG_FIND_BAD_COND_WAIT, 7, "bad-cond-wait")                    \
    X(LG_FIND_USE_AFTER_DESTROY, 8, "use-after-destroy")            \
    X(LG_FIND_FORK_HELD_LOCK, 9, "fork-held-lock")                  \
    X(LG_FIND_EXIT_HELD_LOCK, 10, "exit-held-lock")
#define LG_COUNT_ROW_(id, value, name) +1
enum lg_finding_kind {
    LG_FINDING_KINDS(LG_ENUM_ROW_)
    LG_FIND_KIND_MAX = 0 LG_FINDING_KINDS(LG_COUNT_ROW_) /* kinds are 1..MAX */
};

/* FINDING.flags: one bit each, named as reports print them (except the log-only
 * markers of LG_FINDF_LOG_ONLY, which no report shows). */
#define LG_FINDING_FLAGS(X)                                                         \
    X(LG_FINDF_SINGLE_THREAD, 0x1, "single_thread") /* no set of distinct threads made the cycle */ \
    X(LG_FINDF_TIMED, 0x2, "timed")           /* ends in a timeout, not a hang */   \
    X(LG_FINDF_ORPHANED, 0x4, "orphaned")     /* deadlock: waiting for a lock whose owner exited */ \
    X(LG_FINDF_STILL_HELD, 0x8, "still_held") /* long-hold reported while the lock is still held */ \
    X(LG_FINDF_CROSS_RUN, 0x10, "cross_run")  /* analyzer only: halves seen in different processes */ \
    X(LG_FINDF_BUDGET, 0x20, "budget")        /* rule search hit its budget: reported conservatively */ \
    X(LG_FINDF_NOT_OWNER, 0x40, "not_owner")  /* bad-unlock, bad-cond-wait: the lock was held by another thread */ \
    X(LG_FINDF_JOIN, 0x80, "join")            /* deadlock: the cycle passes through pthread_join */ \
    /* recorded but not printed live (a repeat at a site already reported) */      \
    X(LG_FINDF_QUIET, 0x100, "quiet")                                               \
    X(LG_FINDF_NOT_MUTEX, 0x200, "not_mutex") /* bad-cond-wait: the "mutex" is another kind of lock */
enum lg_finding_flag { LG_FINDING_FLAGS(LG_ENUM_ROW_) };
#define LG_FINDF_LOG_ONLY ((unsigned)LG_FINDF_QUIET)

/*
 * Record payloads, in field order.  (str = u32 len + bytes; bytes likewise.)
 *
 * HEADER        u32 pid, u32 ppid, u64 mono_ns, u64 real_ns, u32 stack_depth,
 *               u32 flags, str run_id, str exe, str cmdline (args NUL-separated)
 * MODULE        u32 module_id, u64 base, u64 ts, str path, bytes build_id,
 *               u32 nseg, nseg x {u64 vaddr, u64 memsz}   (PT_LOAD, vaddr relative to base)
 * MODULE_UNLOAD u32 module_id, u64 ts
 * STACK         u32 stack_id, u32 n, n x u64 pc
 * STACK_CUT     u32 stack_id   (after that STACK: only its frames are known, the
 *               outer ones are not; docs/shim.md "Held-lock stacks")
 * THREAD        u32 serial, u32 tid, u32 creator_serial, u32 create_stack_id, u64 ts, str name
 * THREAD_EXIT   u32 serial, u64 ts, str name, u32 n, n x u64 lock_id (locks still held)
 * LOCK          u64 lock_id, u64 addr, u32 generation, u8 kind, u8 subkind, u16 flags,
 *               u32 first_stack_id, u64 ts, u8 class_type, u32 class_module_id,
 *               u64 class_offset, u32 class_stack_id
 * LOCK_RETIRE   u64 lock_id, u64 ts, u8 reason
 * EDGE          u32 edge_id, u64 from_lock, u64 to_lock, u64 ts
 * CHAIN         u32 chain_id, u32 n, n x {u64 lock_id, u8 mode}   (held locks, oldest first)
 * CONTEXT       u32 edge_id, u32 thread_serial, u32 chain_id, u8 from_mode, u8 to_mode,
 *               u16 flags, u32 stack_id, u32 held_stack_id, u64 ts
 * FINDING       u8 kind, u16 flags, u64 ts, u64 value, str detail, u32 n,
 *               n x {u32 thread_serial, u64 lock_id, u64 other_lock_id, u32 stack_id,
 *                    u32 other_stack_id, u8 mode}
 * STATS         u64 ts, u32 n, n x {u64 lock_id, u64 acquisitions, u64 contended,
 *               u64 wait_total_ns, u64 wait_max_ns, u64 hold_total_ns, u64 hold_max_ns}
 * END           u64 ts, u8 reason (1 exit, 2 deadlock policy, 3 exec)
 * LOSSES        u64 ts, u32 n, n x {u32 counter, u64 value}   (cumulative; latest wins)
 * UNTRACED      u64 ts, u8 reason (LG_UNTRACED_*), str path   (before END exec)
 * WAITS         u64 ts, u32 n, n x {u32 thread_serial, u8 flags, u64 waited_ns, u64 held_ns}
 *               (follows a deadlock FINDING: item i describes its item i)
 *
 * Timestamps (ts, mono_ns) are CLOCK_MONOTONIC nanoseconds.  HEADER.real_ns is the
 * wall clock at the same instant, to place the run in time.
 */

/* HEADER.flags */
#define LG_HDRF_FORKED 0x1u /* this image is a fork child of ppid (no exec) */

/* WAITS item flags: how the thread waits. */
#define LG_WAITF_TIMED 0x1u /* its wait has a timeout: it ends by itself */
#define LG_WAITF_JOIN 0x2u  /* it waits in pthread_join, not for a lock */
#define LG_WAITF_COND 0x4u  /* it re-acquires its condvar's mutex inside a condvar wait */

/* END.reason */
#define LG_END_REASONS(X)                                           \
    X(LG_END_EXIT, 1, "exit")         /* the process exited */ \
    X(LG_END_DEADLOCK, 2, "deadlock") /* the deadlock policy ended the process */ \
    X(LG_END_EXEC, 3, "exec")         /* the image was replaced by exec */
enum lg_end_reason { LG_END_REASONS(LG_ENUM_ROW_) };

/* UNTRACED.reason: why the program this image is about to exec will run without
 * the shim (reports word them: "PATH was not traced: statically linked"). */
#define LG_UNTRACED_REASONS(X)                                                  \
    X(LG_UNTRACED_STATIC, 1, "static")  /* no PT_INTERP: no dynamic loader */   \
    X(LG_UNTRACED_SETID, 2, "setid")    /* setuid/setgid: LD_PRELOAD ignored */
enum lg_untraced_reason { LG_UNTRACED_REASONS(LG_ENUM_ROW_) };

/* LOSSES.counter: what the shim could not record or check, counted since the log
 * began (records dropped) or since the process image began (the rest; a fork child
 * inherits its parent's graph).  A LOSSES record is written with the STATS records
 * (periodically and at the end) whenever one counter is not zero, so a log with
 * nothing lost has none and stays readable by readers older than the record.
 * Readers must accept counters they do not know (new ones may be added without a
 * version bump) and may ignore them. */
enum lg_loss_counter {
    LG_LOSS_RECORDS_DROPPED = 1, /* records not written (did not fit, no memory): the log lacks them */
    LG_LOSS_CONTEXTS_DROPPED = 2, /* new contexts not stored: their edge had LG_MAX_CTX already */
    LG_LOSS_SEARCHES_CUT = 3,    /* live cycle searches stopped by their work budget */
    LG_LOSS_COUNTER_MAX = 3
};

#endif
