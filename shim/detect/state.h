/* The detector's state: lock records, per-thread held stacks, and the order graph.
 *
 * Invariants (the ones every other file relies on)
 *  - A lock instance is (address, generation).  Its record is created at its init
 *    (a hooked *_init call on a heap or stack lock) or else at first use, and never
 *    freed; when the instance ends (destroy, re-init, memory freed, stack
 *    frame returned) the record is marked LG_LR_DEAD and a later use of the address
 *    creates a new record with generation + 1.  Edges and contexts refer to records,
 *    so a reused address can never join edges of two different instances.
 *  - `owner` is the thread holding the lock exclusively (mutex, write, spin), or NULL.
 *    It is written only by the acquiring/releasing thread (or cleared by a thread
 *    that released a lock it did not own, which glibc allows for normal mutexes);
 *    everyone else reads it racily, and the watchdog confirms before acting.
 *  - A thread's held stack is written only by that thread.  Each entry carries the
 *    chain key of the held set up to and including it, so the key of "held set +
 *    new lock" is one hash step; a thread validates each chain once (per-thread
 *    chain set) and the steady state does nothing else.
 *  - A thread's slot (struct lg_thread) outlives the thread: an ended thread that
 *    held nothing goes back to a free list and a later thread reuses it under a new
 *    serial, once no watchdog pass that could have seen it is running (so no
 *    snapshot still names it).  wait.seq only grows across reuses.  Serials are
 *    never reused; an ended thread that an order-graph context names keeps a
 *    32-byte identity (serial, tid, creator, name) for the log and live reports.
 *  - Graph, chain, stack and context tables are changed only under the graph lock,
 *    and every log record describing them is written under it too, so the log's
 *    "define before use" order holds.
 */
#ifndef LOCKGRAPH_STATE_H
#define LOCKGRAPH_STATE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "cycle_rules.h"
#include "hmap.h"
#include "log_format.h"

struct lg_thread;
struct lg_edge;

#define LG_LR_DEAD 0x1u       /* instance ended; the address may be reused */
#define LG_LR_STACK 0x2u      /* lives on a thread stack (retired when the frame returns) */
#define LG_LR_HEAP 0x4u       /* not in a module's data or a stack */
#define LG_LR_HELD_DESTROY 0x8u /* destroyed while held: retire at release */
#define LG_LR_SAID_SELF 0x10u    /* self-deadlock reported for this instance */
#define LG_LR_SAID_UNLOCK 0x20u  /* bad-unlock reported for this instance */
#define LG_LR_SAID_DESTROY 0x40u /* destroy-locked reported for this instance */
#define LG_LR_LONG_LIVE 0x80u    /* a hold of it was reported live as long: report its end */
#define LG_LR_LONG_LOUD 0x100u   /* ... and that report was printed (first at its site) */
#define LG_LR_ONPATH 0x200u      /* graph search: on the current path (under the graph lock) */
#define LG_LR_STOLEN 0x400u      /* another thread's condition wait ended a hold of it (C4):
                                    releases take the slow path, which drops phantoms */
#define LG_LR_SAID_COND 0x800u   /* bad-cond-wait reported for this instance */
#define LG_LR_DESTROYED 0x1000u  /* with DEAD: ended by a destroy, and no re-init or free
                                    since (a use is a use after destroy) */
#define LG_LR_SAID_UAD 0x2000u   /* use-after-destroy reported for this (dead) instance */
#define LG_LR_FORK_HELD 0x4000u  /* fork child: held at the fork by a thread the child does
                                    not have (fork_held.h); acquisitions take the slow path */
#define LG_LR_LONG_DEADLOCK 0x8000u /* with LONG_LIVE: the hold is part of a deadlock report,
                                       so its end is not reported as a long hold */

struct lg_lockrec {
    uintptr_t addr;
    uint32_t id;  /* log id; unique per process image */
    uint32_t gen;
    uint8_t kind, subkind;
    _Atomic uint16_t flags;
    uint32_t first_stack;
    uint32_t frame_ret; /* LG_LR_STACK: low half of the owning frame's return address */
    uint8_t log_flags;  /* LOCK.flags (LG_LOCKF_*): set when made, never changed */
    struct lg_edge *out; /* out-edges (under the graph lock) */
    uintptr_t frame_slot; /* LG_LR_STACK: where that return address is stored */
    _Atomic(struct lg_thread *) owner;
    /* statistics; acq and hold are updated by the owner (exclusive) or racily by
     * readers: they are statistics, not invariants */
    uint64_t acq;
    uint32_t contended;
    uint32_t wait_max_us;          /* µs (keeps the record at 96 bytes; the log has ns) */
    uint64_t wait_total;           /* ns, precise clock (contended path only) */
    uint64_t hold_total, hold_max; /* ns, coarse clock */
};

/* Reads a lock object's type when its record is created (mutex kind, rwlock
 * preference); supplied by the hook, which knows the object layout. */
typedef uint8_t (*lg_subkind_fn)(uintptr_t addr);

/* The record's size is part of the memory budget per tracked lock (docs/performance.md). */
_Static_assert(sizeof(struct lg_lockrec) <= 96, "lock record grew past 96 bytes");

/* One held lock. */
struct lg_held {
    struct lg_lockrec *lock;
    uint64_t key;     /* chain key of the held stack up to here */
    uint64_t start;   /* coarse ns at acquisition */
    uintptr_t pc;     /* call site of the acquisition */
    uintptr_t sp;     /* frame address of the hook that took it (see held_stacks) */
    uint32_t stack;   /* stack id of the acquisition if one was captured, else 0 */
    uint8_t mode;     /* enum lg_mode */
    uint8_t flags;    /* LG_CTXF_* of the acquisition, LG_HF_* below */
    uint16_t depth;   /* recursive re-locks on top of the first */
};

#define LG_HELD_INLINE 16
#define LG_NAME_MAX 16
/* Entries of a thread's record cache (a power of two; see lg_thread.rcache). */
#define LG_RCACHE 16

/* What a thread is blocked on, published before blocking, for the watchdog's
 * snapshot (detect/waitfor.h says what it makes of it). */
struct lg_wait {
    _Atomic(struct lg_lockrec *) lock;  /* lock waited for, or NULL */
    _Atomic uint64_t seq;               /* changes at every new wait */
    uint64_t since;                     /* precise ns */
    uintptr_t pc;                       /* call site of the blocking call */
    uint8_t flags;                      /* LG_CTXF_TIMED if it will time out */
    uint8_t mode;                       /* enum lg_mode it waits to take the lock in */
    _Atomic(struct lg_lockrec *) cond_mutex; /* in a condvar wait with this mutex */
    _Atomic uintptr_t joining;          /* in pthread_join on this pthread_t (resolved by the
                                           watchdog: the joined thread may not have registered) */
};

struct lg_thread {
    uint32_t serial; /* 1 = first thread seen; log identity */
    uint32_t tid;
    uint32_t creator;
    uint32_t create_stack;
    uintptr_t pthread; /* pthread_t, for joins */
    _Atomic int alive;
    int in_shim;     /* the reentrancy guard (detect.h): hooks forward untracked while set */
    uint32_t nheld, cap;
    struct lg_held *held;
    uint64_t *chains; /* open-addressed set of validated chain keys (0 = empty) */
    uint32_t chain_mask, nchains;
    uintptr_t stack_lo, stack_hi; /* this thread's stack, for stack-resident locks */
    struct lg_wait wait;
    char name[LG_NAME_MAX];
    struct lg_thread *next_all; /* registry of slots (never unlinked) */
    /* slot reuse (detector.c "thread slots"): under the slot lock */
    struct lg_thread *next_free;
    uint64_t freed_pass;  /* lg_wd_pass when the slot was freed */
    int in_graph;         /* an order-graph context names this thread's serial */
    void *stack_locks;    /* the stack-resident locks it created (detector.c) */
    /* watchdog-private (only the watchdog and, for wd_pcs, a capture signal handler
     * running in this thread touch them) */
    uint64_t wd_cond_since, wd_cond_seq;
    uintptr_t *wd_pcs;
    _Atomic int wd_npcs; /* -1 requested, >= 0 captured */
    struct lg_held inline_held[LG_HELD_INLINE];
    /* Records this thread acquired lately, direct-mapped by address (fastpath.h):
     * a hit skips the lock-table probe.  Written only by this thread, one pointer
     * store per fill (so a same-thread signal handler can never leave a torn
     * entry); an entry is only a hint, trusted when its record names the address
     * and is not retired (the one live record of an address: lock_table.h), so a
     * stale entry, a reused slot's or a fork child's, costs a probe, never a wrong
     * record. */
    struct lg_lockrec *rcache[LG_RCACHE];
};

/* Lock-order edge held -> acquired, with the distinct contexts it was seen in.
 * Both live in dense arrays indexed by id (graph.c), linked by index, so that an
 * edge with its first context is 64 bytes and a further context 24: with the
 * lock record they are the memory a new instance chain costs. */
struct lg_ctx {
    uint32_t next; /* index of the next stored context (graph.c), 0: none */
    uint32_t thread, chain;
    uint8_t from_mode, to_mode;
    uint16_t flags;
    uint32_t stack, held_stack;
};

struct lg_edge {
    struct lg_lockrec *from, *to;
    struct lg_edge *next_out; /* from's adjacency list */
    uint32_t id, nctx;
    uint32_t hnext;           /* next edge id in its edge-map bucket (graph.c) */
    uint32_t ctx_tail;        /* index of the last stored context, 0: ctx0 */
    struct lg_ctx ctx0;       /* the first context (stored when nctx >= 1): the one
                                 reports show; the rest follow in arrival order */
};

struct lg_chain {
    struct lg_hnode h;        /* keyed by the chain key */
    uint32_t id, n;
    uint32_t used;        /* serial of the one thread with contexts on it, UINT32_MAX: several */
    lg_held_lock locks[]; /* oldest first */
};

#endif
