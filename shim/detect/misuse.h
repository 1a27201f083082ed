/* The misuse rules: what a lock call that the thread's own holds (or the lock's
 * history: a destroy, a fork) make suspicious amounts to under glibc's semantics.  The core gathers the facts (its records of
 * who holds what, and what glibc's lock word says, read by the hook); these
 * functions decide.  tests/detect/test_misuse.c states each rule.
 *
 * Re-lock: the thread is about to block on a lock (lg_misuse_relock).  "owns" is
 * the records' exclusive owner being the caller, "holds" its held stack listing the
 * lock in any mode.
 *  R1 An owner re-taking a recursive mutex (or mtx_t) or a FILE lock is granted at
 *     once: no wait, nothing to report.
 *  R2 Unless the caller holds the lock and either owns it or asks for the write
 *     lock, it waits like any other thread (another thread is in the way; a second
 *     read lock is granted with the first): nothing to report.
 *  R3 A write lock asked for while holding the read lock: glibc's writer waits for
 *     every reader, the caller included, so it is never granted (see R6, R7).
 *  R4 An error-checking mutex re-locked by its owner: glibc answers EDEADLK.
 *  R5 An rwlock re-locked (either mode) by its writer: glibc answers EDEADLK.
 *  R6 Any other re-lock (normal or adaptive mutex, mtx_t, spinlock, R3) with a
 *     deadline: never granted, it times out.
 *  R7 ... without a deadline: it blocks forever.
 *  R3-R7 are a self-deadlock finding, flagged timed when the call has a deadline.
 *  R4-R6 are reported once per lock instance; R7 every time, and the deadlock
 *  policy follows (the thread will never run again).
 *
 * Unlock of a lock the caller does not hold per its records (lg_misuse_unlock); the
 * lock word says whether the lock is locked and, for some kinds, by whom:
 *  U1 Not locked at all: a bad unlock.
 *  U2 Locked by another thread, named by the word: a bad unlock, flagged not-owner.
 *     glibc releases it anyway (a normal mutex does not check), so the records'
 *     owner is no longer the owner.
 *  U3 Locked by the caller itself: no misuse, a hold the records never saw (taken
 *     before the shim started, or inside the shim).
 *  U4 Locked, and the word does not say by whom (read-locked, or an owner not yet
 *     written), or the word says destroyed (X1-X3 decide): nothing, rather than
 *     risk a false report.
 *  U5 Locked, and this kind of lock has no owner in its word (spinlock): the
 *     records decide; another thread owning it is U2, anything else is nothing.
 *  U1, U2 and U5 are reported once per lock instance.
 *
 * Destroy (lg_misuse_destroy):
 *  D1 A lock the records show held (an exclusive owner, or an entry in a live
 *     thread's held stack): destroy-locked, reported once per lock instance.
 *  D2 Otherwise (never seen, or held by no one): nothing.
 *
 * Condition wait with the "mutex" m (lg_misuse_cond_wait).  glibc checks ownership
 * only for error-checking mutexes: it unlocks m whoever holds it, waits, and locks
 * m again for the caller.  "word" is m's lock word as a mutex.
 *  C1 The caller holds m (its held stack lists it): the normal case, nothing.
 *  C2 The records know m as another kind of lock (rwlock, spinlock, FILE lock):
 *     bad-cond-wait flagged not-mutex.  glibc reads the object's bytes as a mutex;
 *     the model changes nothing (no release, no re-acquisition).
 *  C3 The word says unlocked: bad-cond-wait (un-held).  The unlock changes nothing,
 *     and the wait returns with m locked by the caller.
 *  C4 The word names another thread, or says locked without a name while the
 *     records' owner is another thread: bad-cond-wait flagged not-owner.  glibc
 *     ends that thread's hold (released: the records' owner is dropped, and the
 *     holder's entry becomes a phantom its release must not count) and the wait
 *     returns with m locked by the caller; unless m's type checks its owner
 *     (error-checking, recursive): then glibc refuses with EPERM and nothing is
 *     released.
 *  C5 The word names the caller (a hold the records never saw) or nobody, with no
 *     other owner in the records: nothing, as U3/U4.
 *  C2-C4 are reported once per lock instance.  In every mutex case (all but C2)
 *  the wait returns (success, timeout) with m held by the caller: `relocks`.
 *
 * Use of a destroyed lock (lg_misuse_destroyed_use): a lock, unlock or destroy
 * found no live record for the address, and the records mark its last instance
 * destroyed (a destroy, and no re-init, free or unmap since).  Kinds whose destroy
 * marks the object itself (glibc sets a mutex's kind to -1) say more: the word.
 *  X1 Not marked: nothing.
 *  X2 Marked, a mutex kind, and the word does not say destroyed: the object was
 *     set up again by assignment (PTHREAD_MUTEX_INITIALIZER); nothing, and the
 *     mark goes (forget).
 *  X3 Otherwise: use-after-destroy, once per destroyed instance.
 *
 * A lock held at a fork by a thread the child does not have (lg_misuse_fork_held),
 * met in the child:
 *  F1 The child blocks on it, or takes it where either mode is not a read lock
 *     (taken at all only when the records lag behind glibc): fork-held-lock, once
 *     per lock.  The hold never ends in the child.
 *  F2 A read lock of a lock read-held at the fork: granted, nothing yet.
 *
 * A thread the shim started ends (lg_misuse_thread_end), asked for each entry of its
 * held stack: it returned from its start routine, or unwound through pthread_exit
 * or a cancellation (its cleanup handlers ran).  Whoever waits for such a lock later
 * waits forever (the watchdog's orphaned deadlock); nothing else ever releases it.
 *  E1 The thread still holds the lock: exit-held-lock, once per lock instance.
 *  E2 The entry is a phantom: an exclusive hold the records no longer give to the
 *     thread, because glibc let another thread end it (an unlock by another thread,
 *     U2, or its condition wait, C4): nothing.
 *  E3 The lock instance already ended (destroyed while held: destroy-locked said
 *     so): nothing.
 *  Not asked: the process's end (exit, return from main, a fatal signal: threads
 *  still running keep their locks, harmlessly) and the main thread's own end (the
 *  shim did not start it); a thread that calls exit() ends the process, not itself.
 *
 * Invariants: pure functions of their arguments: no allocation, no locking, no
 * global state, constant time.  Reporting once per lock instance is the caller's
 * (a flag in the lock record): the verdict only says which reports are once-only.
 */
#ifndef LOCKGRAPH_MISUSE_H
#define LOCKGRAPH_MISUSE_H

#include <stdint.h>

/* What glibc's lock word says about a lock, read racily by the hook (glibc_abi.h). */
enum lg_word_state {
    LG_WORD_UNLOCKED = 0,
    LG_WORD_OWNED = 1,    /* locked exclusively by the thread whose tid is `owner` */
    LG_WORD_HELD = 2,     /* locked, the word does not say by whom */
    LG_WORD_NO_OWNER = 3, /* locked, and this kind of lock never records an owner */
    LG_WORD_DESTROYED = 4 /* destroyed (a mutex's kind is -1): no state to read */
};

struct lg_lock_word {
    enum lg_word_state state;
    uint32_t owner; /* LG_WORD_OWNED: the owner's kernel tid (never 0) */
};

enum lg_misuse_rule {
    LG_MISUSE_R1 = 1, LG_MISUSE_R2, LG_MISUSE_R3, LG_MISUSE_R4, LG_MISUSE_R5,
    LG_MISUSE_R6, LG_MISUSE_R7,
    LG_MISUSE_U1, LG_MISUSE_U2, LG_MISUSE_U3, LG_MISUSE_U4, LG_MISUSE_U5,
    LG_MISUSE_D1, LG_MISUSE_D2,
    LG_MISUSE_C1, LG_MISUSE_C2, LG_MISUSE_C3, LG_MISUSE_C4, LG_MISUSE_C5,
    LG_MISUSE_X1, LG_MISUSE_X2, LG_MISUSE_X3,
    LG_MISUSE_F1, LG_MISUSE_F2,
    LG_MISUSE_E1, LG_MISUSE_E2, LG_MISUSE_E3
};

/* The facts about a re-lock (lg_misuse_relock). */
typedef struct lg_relock_facts {
    uint8_t kind;    /* enum lg_lock_kind */
    uint8_t subkind; /* enum lg_lock_subkind, as recorded */
    uint8_t mode;    /* enum lg_mode asked for */
    uint8_t timed;   /* the call has a deadline */
    uint8_t owns;    /* the records' exclusive owner is the caller */
    uint8_t holds;   /* the caller's held stack lists the lock */
} lg_relock_facts;

typedef struct lg_misuse_verdict {
    enum lg_misuse_rule rule; /* the rule that decided */
    uint8_t waits;       /* re-lock: the caller is going to wait (publish it) */
    uint8_t finding;     /* LG_FIND_* to report, 0 for none */
    uint16_t flags;      /* its LG_FINDF_* */
    uint8_t once;        /* report only the first time per lock instance */
    uint8_t hang;        /* the call never returns: the deadlock policy follows the report */
    uint8_t released;    /* glibc releases a lock another thread owns (U2, C4): drop that owner */
    uint8_t relocks;     /* cond wait: the wait returns with the mutex held by the caller */
    uint8_t forget;      /* X2: the destroyed mark is stale, clear it */
    const char *detail;  /* the finding's wording, NULL without a finding */
} lg_misuse_verdict;

void lg_misuse_relock(const lg_relock_facts *f, lg_misuse_verdict *out);
/* caller: the caller's tid.  records_other: the records' owner is another thread
 * (consulted for U5 only). */
void lg_misuse_unlock(struct lg_lock_word w, uint32_t caller, int records_other,
                      lg_misuse_verdict *out);
/* held: the records show the lock held by some thread. */
void lg_misuse_destroy(int held, lg_misuse_verdict *out);

/* The facts about a condition wait (lg_misuse_cond_wait). */
typedef struct lg_cond_facts {
    uint8_t holds;         /* the caller's held stack lists the mutex */
    uint8_t not_mutex;     /* the records know the object as another kind of lock */
    uint8_t records_other; /* the records' exclusive owner is another thread */
    uint8_t owner_checked; /* m's type checks its owner at unlock (errorcheck, recursive) */
    uint32_t caller;       /* the caller's tid */
    struct lg_lock_word word;
} lg_cond_facts;
void lg_misuse_cond_wait(const lg_cond_facts *f, lg_misuse_verdict *out);

/* What a call on a destroyed lock was (the finding's wording). */
enum lg_use_op { LG_USE_LOCK = 0, LG_USE_UNLOCK = 1, LG_USE_DESTROY = 2 };
/* marked: the records mark the address's last instance destroyed.  word_kind: the
 * lock is of a kind whose word shows a destroy (mutex, mtx_t); word: that word. */
void lg_misuse_destroyed_use(int marked, int word_kind, struct lg_lock_word word,
                             enum lg_use_op op, lg_misuse_verdict *out);
/* blocks: the child is about to wait for the lock; else it took it.  held_mode:
 * the parent thread's mode at the fork; mode: the child's request. */
void lg_misuse_fork_held(int blocks, uint8_t held_mode, uint8_t mode, lg_misuse_verdict *out);

/* How a thread ended (lg_misuse_thread_end; exit-held-lock's value). */
enum lg_thread_end_how {
    LG_END_RETURNED = 1, /* returned from its start routine */
    LG_END_UNWOUND = 2   /* pthread_exit or cancellation (cleanup handlers ran) */
};
/* phantom: an exclusive entry whose lock's records owner is not the thread; dead:
 * the entry's lock instance has ended. */
void lg_misuse_thread_end(enum lg_thread_end_how how, int phantom, int dead,
                          lg_misuse_verdict *out);

#endif
