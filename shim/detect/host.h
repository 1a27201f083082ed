/* The host seam: everything the detection core needs from the world outside it.
 * The core (shim/detect/) calls only these functions and sees the process, the OS
 * and the output only through them; the shim implements them in shim/host/ (clock,
 * unwinding, thread identity, log writer, live reporter, module map), and the unit
 * tests in tests/detect/fake_host.c, which is what keeps the core a plain, testable
 * library.  "plat" in the names is the host (the prefix predates this header).
 *
 * Rules of the seam (the fake host checks 1 and 3 with a probe thread)
 *  1. The core calls lg_plat_backtrace, lg_plat_backtrace_frames and lg_plat_report only
 *     with no core lock held: they may call into libunwind or ld.so, which take
 *     locks of their own.
 *  2. lg_plat_log and lg_plat_log_end may be called with the graph lock held: they
 *     take no lock of their own and do not allocate.
 *  3. What the host prints or writes comes in the arguments: a report is a
 *     struct lg_report the core built (stacks as pc arrays, locks as id, kind,
 *     address and first-use stack, threads with their tid and name), so the sinks
 *     behind these functions never read the core's tables.
 *  4. Everything here is safe to call from any thread the core runs on, with the
 *     thread's reentrancy guard set.
 */
#ifndef LOCKGRAPH_HOST_H
#define LOCKGRAPH_HOST_H

#include <stddef.h>
#include <stdint.h>

/* ---- stacks ---------------------------------------------------------------------- */

/* Call sites (return address - 1) of the caller's stack, the shim's own frames
 * removed, innermost first.  Returns the number written (0..max). */
int lg_plat_backtrace(uintptr_t *pcs, int max);
/* One frame of lg_plat_backtrace_frames. */
struct lg_plat_frame {
    uintptr_t pc;  /* call site (return address - 1) */
    uintptr_t sp;  /* the frame's stack pointer at that call (its callee's CFA) */
    uintptr_t cfa; /* the frame's canonical frame address (its caller's sp) */
    uintptr_t fn;  /* start of the function it runs, 0 if unknown */
};
/* The caller's stack with each frame's bounds and function (slower than
 * lg_plat_backtrace: the slow path uses it only to check the stacks of held
 * locks, detector.c held_stacks).  Returns the number written (0..max). */
int lg_plat_backtrace_frames(struct lg_plat_frame *f, int max);
/* The stack slot holding the return address of the frame that contains addr (a
 * lock on the caller's stack), or 0 if no frame of the current stack contains it. */
uintptr_t lg_plat_frame_slot(uintptr_t addr);
/* The calling thread's stack [lo, hi), or zeros when unknown. */
void lg_plat_stack_bounds(uintptr_t *lo, uintptr_t *hi);
/* Bytes of stack below the caller's frame, SIZE_MAX when unknown.  [lo, hi) is the
 * thread's stack as lg_plat_stack_bounds gave it; when the caller runs elsewhere, a
 * signal handler's alternate stack is measured, and a stack the program made itself
 * cannot be (SIZE_MAX: assumed large enough). */
size_t lg_plat_stack_room(uintptr_t lo, uintptr_t hi);
/* What the deepest slow-path capture uses below the hook's frame: the detector's
 * frames, the held-stack walk and the unwinder, with the live report of a finding
 * (measured at ~15 KiB with a painted stack, docs/shim.md "Stack capture"), and a
 * margin.  With less room the core records the call site alone. */
#define LG_UNWIND_ROOM (24u * 1024u)

/* ---- time and threads ------------------------------------------------------------ */

uint64_t lg_plat_now(void); /* CLOCK_MONOTONIC ns, precise */
/* The calling thread's kernel id. */
uint32_t lg_plat_gettid(void);
/* The calling thread's name (as pthread_setname_np sets it), NUL-terminated in
 * name[0..cap); cap >= 16 holds any name the kernel keeps. */
void lg_plat_thread_name(char *name, size_t cap);

/* ---- output ---------------------------------------------------------------------- */

/* One encoded log record (log_format.h). */
void lg_plat_log(const void *rec, size_t len);
/* The image's last record (END) has just been written: make the log end there (the
 * shim cuts its file to length).  Called with the graph lock held, like lg_plat_log. */
void lg_plat_log_end(void);
/* A fork child's log is wanted (detect/fork_log.h): create it and write its HEADER
 * (flag forked).  0, or -1 when it cannot be created (records then go nowhere).
 * Called with the graph lock held, like lg_plat_log: the HEADER goes through
 * lg_rec_start_locked, and only system calls are used (the child of a
 * multithreaded parent may still be single-threaded and its libc locks void). */
int lg_plat_log_create_forked(void);
/* The module map as MODULE records, into the fork child's log just created (graph
 * lock held: lg_rec_module_locked). */
void lg_plat_log_modules(void);

/* A live report: a finding as the host prints it, built by the core from its
 * records with no core lock held.  Everything the host needs is here; the
 * pointers are valid for the duration of lg_plat_report (stack frames for the
 * life of the process). */
struct lg_report_stack {
    uint32_t id;          /* the log's stack id (0: none captured) */
    uint32_t n;           /* frames in pcs */
    const uintptr_t *pcs; /* call sites, innermost first */
    uintptr_t site;       /* when n == 0: the one call site known, or 0 */
    uint8_t cut;          /* the frames above pcs are unknown (detect/stack_cut.h) */
    uint8_t first_seen;   /* the stack first seen on this code path, not this event's
                           * own (detect/stack_depot.h) */
};

struct lg_report_lock {
    uint32_t id; /* log id; 0: no lock */
    uint8_t kind; /* LG_KIND_* */
    uintptr_t addr;
    struct lg_report_stack first_use; /* where the instance was first used */
};

struct lg_report_thread {
    uint32_t serial; /* log identity */
    uint8_t known;   /* the core knows the thread: tid and name below are set */
    uint32_t tid;
    char name[16];   /* "" when it has none */
};

struct lg_report_item {
    struct lg_report_thread thread;
    struct lg_report_lock lock, other; /* per finding kind (records.h) */
    struct lg_report_stack stack, other_stack;
    uint8_t mode; /* to_mode | from_mode << 4 for edges */
    uint8_t wait_flags;          /* deadlock items: LG_WAITF_* */
    uint64_t waited_ns, held_ns; /* deadlock items: blocked for, held `lock` for (0 unknown) */
};

struct lg_report {
    uint8_t kind;  /* LG_FIND_* */
    uint16_t flags; /* LG_FINDF_* */
    uint64_t value;
    const char *detail;
    uint32_t n;
    const struct lg_report_item *items;
};

void lg_plat_report(const struct lg_report *r);

/* ---- the deadlock policy --------------------------------------------------------- */

/* A hang was just reported that no thread can end (a self-deadlock without a
 * deadline): the deadlock policy (host/policy.c: exit, abort or go on waiting). */
void lg_deadlock_policy(void);

/* ---- the module map -------------------------------------------------------------- */

/* Class of a lock at addr: LG_CLASS_STATIC with module id and offset when it lies
 * in a loaded module's data, else LG_CLASS_SITE.  may_rescan: the module map may be
 * refreshed first (never with the graph lock held: a rescan takes it). */
int lg_plat_classify(uintptr_t addr, uint32_t *module_id, uint64_t *offset, int may_rescan);

#endif
