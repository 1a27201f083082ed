/* The wait-for graph: which blocked threads wait for which, and when that is a
 * deadlock.  The watchdog (host/watchdog.c) takes a snapshot of the threads every
 * tick and hands it here; this module decides, the watchdog reports.
 *
 * It owns: who waits for whom, the cycle search, the signature of a wait, the
 * two-tick confirmation and the "reported once" set of deadlocks.  It does not
 * own: reading /proc, the clock, signals, stacks or the report (the host's).
 *
 * A thread in the snapshot published what it waits for (hooks set it before
 * blocking): a lock, a join, or a condvar wait with its mutex.  The rules:
 *  1. A lock or join wait counts once it is older than the threshold; younger
 *     waits are contention, not deadlock.
 *  2. A waiter points at the lock's exclusive owner, and for an rwlock at every
 *     thread holding it; a joiner points at the thread it joins.
 *  3. A condvar waiter waits for a signal, not for a lock, until glibc re-acquires
 *     the mutex inside pthread_cond_wait (no hook sees that): only once the kernel
 *     shows it asleep on the mutex's futex, for longer than the threshold within
 *     the same wait (same sequence), does it point at the mutex's owner.
 *  4. A thread that others wait for but that published no wait may be blocked
 *     where no hook saw it (the peek-then-lock window, see hooks/hook.h): the host
 *     is asked what the kernel shows it asleep on; a lock it does not own itself
 *     makes it a waiter too (rule 2 applies to it from the next pass).
 *  5. A cycle of waiters is a deadlock; so is a lock or condvar wait on a lock
 *     whose owner exited (orphaned): nobody will ever release it.
 *  6. A deadlock is confirmed only when the same one (same threads, same wait
 *     sequence of each) is found on two consecutive ticks: a slow owner or a wait
 *     that ended and began again between ticks is not one.
 *  7. A confirmed deadlock is reported once (by its signature), whatever it does
 *     next (a timed one ends by itself; under --on-deadlock=wait one stays).
 *  8. The deadlock is flagged timed when a waiter of it published a timed lock
 *     wait: it will end by itself (the host does not end the process for it).
 * Per tick only the first deadlock found (in snapshot order) is considered.
 *
 * Invariants: no locking, no clock (the snapshot carries `now`), no system call;
 * no allocation beyond the caller's snapshot, fixed-size scratch inside it, and
 * one arena node per reported deadlock (seen.h).  The host is called back only
 * through the snapshot's two functions, and only for the threads rule 2 and 4 need.
 * Complexity per tick: O(n) to resolve n threads, up to 8 passes of O(n * 16) to
 * build edges (O(n) per join), and O(n * 16) per start of the depth-first cycle
 * search (depth <= LG_WF_MAX_CYCLE), so O(n^2) in the worst case.
 */
#ifndef LOCKGRAPH_WAITFOR_H
#define LOCKGRAPH_WAITFOR_H

#include <stdint.h>

#include "seen.h"

#define LG_WF_MAX_OUT 16   /* threads one waiter points at (owner + rwlock holders) */
#define LG_WF_MAX_CYCLE 64 /* longest cycle searched */
#define LG_WF_NOBODY UINT32_MAX        /* an owner that is not in the snapshot */
#define LG_WF_EXITED (UINT32_MAX - 1u) /* an owner that exited */

/* What a thread waits for.  Bits: a snapshot may say more than one was published
 * (rule 1-3 pick in this order); a resolved wait is one of them. */
enum lg_wf_wait { LG_WF_NONE = 0, LG_WF_LOCK = 1, LG_WF_JOIN = 2, LG_WF_COND = 4 };

/* A lock as the host sees it when asked. */
struct lg_wf_lock {
    uint32_t owner;   /* snapshot index of its exclusive owner, LG_WF_NOBODY, LG_WF_EXITED */
    uint8_t shared;   /* an rwlock: the holders below block a waiter too */
    uint8_t nholders;
    uint32_t holders[LG_WF_MAX_OUT + 1]; /* shared: threads holding it, ascending index */
};

struct lg_wf_thread {
    /* filled by the host from what the thread published */
    uint32_t serial;     /* identity (signature) */
    uint64_t seq;        /* the thread's wait sequence: changes at every new wait */
    uint8_t published;   /* enum lg_wf_wait bits */
    uint8_t wait_timed;  /* its lock wait has a timeout */
    uint8_t cond_asleep; /* LG_WF_COND: the kernel shows it asleep on the mutex's futex */
    uint64_t since;      /* when its lock or join wait began (the snapshot's clock) */
    uintptr_t handle;    /* its pthread_t */
    uintptr_t joining;   /* LG_WF_JOIN: the pthread_t it joins */
    /* kept by the host from tick to tick for the same thread (0 at first) */
    uint64_t cond_since, cond_seq;
    /* the answer: what it waits for (LG_WF_NONE: not blocked long enough) */
    uint8_t kind;
    uint8_t timed;
    struct lg_wf_lock lock; /* LG_WF_LOCK, LG_WF_COND: the lock, as last described */
    uint32_t nout;
    uint32_t out[LG_WF_MAX_OUT]; /* the threads it waits for */
    uint8_t color;               /* search scratch */
};

struct lg_wf_snapshot {
    struct lg_wf_thread *thread;
    uint32_t n;
    uint64_t now;       /* when the snapshot was taken (ns) */
    uint64_t threshold; /* blocked this long = may be deadlocked (ns) */
    /* Rule 2: describes the lock thread i waits for (kind LG_WF_LOCK: its lock
     * wait; LG_WF_COND: its condvar's mutex). */
    void (*describe)(void *ctx, uint32_t i, uint8_t kind, struct lg_wf_lock *out);
    /* Rule 4: the lock thread i is asleep on per the kernel: describes it and
     * returns 1, or returns 0. */
    int (*asleep_on)(void *ctx, uint32_t i, struct lg_wf_lock *out);
    void *ctx;
};

/* A confirmed deadlock: thread[i] waits for thread[i+1] (and the last for the
 * first); an orphaned one is the one waiter. */
struct lg_wf_deadlock {
    uint32_t n;
    uint32_t thread[LG_WF_MAX_CYCLE]; /* snapshot indices */
    uint8_t timed;
    uint8_t orphaned;
};

/* State from tick to tick (zero-initialised). */
struct lg_waitfor {
    uint64_t candidate;      /* signature found on the previous tick, 0 = none */
    struct lg_seen reported; /* signatures reported (rule 7) */
};

/* One tick: resolves the snapshot's waits and edges, then looks for a deadlock.
 * Returns 1 and fills *out when one is confirmed and not reported before, else 0. */
int lg_waitfor_tick(struct lg_waitfor *wf, struct lg_wf_snapshot *s, struct lg_wf_deadlock *out);
/* Forgets the candidate of the previous tick (fork child: a new watchdog). */
void lg_waitfor_reset(struct lg_waitfor *wf);

#endif
