/* The annotation API's entry points (include/lockgraph/annotate.h): a program's own
 * lock, described by its create/lock/unlock calls, becomes events exactly as a
 * pthread mutex does (mutex.c), under the lock kind LG_KIND_ANNOTATED.
 *
 * The difference from a hook: nothing here can read the lock's word, so a blocking
 * before_lock always publishes its wait (lg_block_begin: the self-deadlock check,
 * then "waiting for L" for the watchdog's wait-for graph) and after_lock ends it.
 * That costs two clock reads per annotated acquisition, and the lock's "contended"
 * count is its number of blocking acquisitions (docs/shim.md says so).  A try
 * publishes nothing (it cannot block), as for pthread_mutex_trylock.
 *
 * The wait begun in before_lock is handed to after_lock in a thread-local slot: an
 * acquisition's two calls are made by one thread, one acquisition at a time.
 *
 * Recursive locks.  A create with LOCKGRAPH_WRITE_REENTRANT marks the address
 * recursive in a fixed lock-free table (no allocation: these entry points run
 * wherever the program's locks do); the subkind callback reads it when the core
 * makes the lock's record, so a recursive re-lock is not a self-deadlock.  Destroy
 * and a new create clear the mark.  Past LG_ANN_REENTRANT_MAX live recursive locks
 * a notice says that later ones are treated as plain (re-locks then report).
 * Lookups: O(1) expected, O(table) worst; only when a record is made.
 */
#define _GNU_SOURCE
#include "hook.h"

#include <stdatomic.h>

/* The flag bits of <lockgraph/annotate.h> (the values are TSan's, and an ABI). */
#define ANN_WRITE_REENTRANT (1u << 1)
#define ANN_READ (1u << 3)
#define ANN_TRY (1u << 4)
#define ANN_FAILED (1u << 5)
#define ANN_RECURSIVE_LOCK (1u << 6)
#define ANN_RECURSIVE_UNLOCK (1u << 7)
#define ANN_TIMED (1u << 16)

#define LG_ANN_REENTRANT_MAX 4096u /* power of two; 32 KiB */
#define SLOT_FREE ((uintptr_t)0)
#define SLOT_GONE ((uintptr_t)1) /* a removed entry: probes continue past it */
#define MAX_RECURSION 4096       /* bound on RECURSIVE_UNLOCK's release loop */

static _Atomic uintptr_t reentrant[LG_ANN_REENTRANT_MAX];
static atomic_int table_full_said;

static size_t slot_of(uintptr_t a)
{
    return (size_t)((a >> 3) * 0x9E3779B97F4A7C15ull >> 52) & (LG_ANN_REENTRANT_MAX - 1);
}

static _Atomic uintptr_t *find_slot(uintptr_t a)
{
    size_t i = slot_of(a);
    for (size_t k = 0; k < LG_ANN_REENTRANT_MAX; k++, i = (i + 1) & (LG_ANN_REENTRANT_MAX - 1)) {
        uintptr_t v = atomic_load_explicit(&reentrant[i], memory_order_acquire);
        if (v == a)
            return &reentrant[i];
        if (v == SLOT_FREE)
            return NULL;
    }
    return NULL;
}

static void mark_reentrant(struct lg_thread *t, uintptr_t a)
{
    if (find_slot(a))
        return;
    size_t i = slot_of(a);
    for (size_t k = 0; k < LG_ANN_REENTRANT_MAX; k++, i = (i + 1) & (LG_ANN_REENTRANT_MAX - 1)) {
        uintptr_t v = atomic_load_explicit(&reentrant[i], memory_order_relaxed);
        if ((v == SLOT_FREE || v == SLOT_GONE) &&
            atomic_compare_exchange_strong_explicit(&reentrant[i], &v, a, memory_order_release,
                                                    memory_order_relaxed))
            return;
    }
    if (!atomic_exchange(&table_full_said, 1)) {
        struct lg_guard g = lg_guard_enter(t);
        lg_notice("more than 4096 recursive annotated locks are alive; later ones are "
                  "treated as non-recursive (a re-lock of one is reported)");
        lg_guard_leave(t, g);
    }
}

static void unmark_reentrant(uintptr_t a)
{
    _Atomic uintptr_t *s = find_slot(a);
    if (s)
        atomic_store_explicit(s, SLOT_GONE, memory_order_release);
}

static uint8_t annotated_subkind(uintptr_t a)
{
    return find_slot(a) ? LG_SUB_RECURSIVE : LG_SUB_NORMAL;
}

static uint8_t mode_of(unsigned flags) { return flags & ANN_READ ? LG_MODE_READ : LG_MODE_EXCL; }

static uint8_t ctxflags_of(unsigned flags)
{
    return (uint8_t)((flags & ANN_TRY ? LG_CTXF_TRY : 0) | (flags & ANN_TIMED ? LG_CTXF_TIMED : 0));
}

/* The wait before_lock published, for after_lock to end. */
static __thread struct lg_lockrec *pending;
static __thread uintptr_t pending_addr;

LG_EXPORT void lockgraph_annotate_create(void *lock, unsigned flags)
{
    struct lg_thread *t = lg_hook_thread();
    if (!t)
        return;
    lg_lock_end(t, LG_ADDR(lock), LG_RETIRE_REINIT);
    if (flags & ANN_WRITE_REENTRANT)
        mark_reentrant(t, LG_ADDR(lock));
    else
        unmark_reentrant(LG_ADDR(lock));
}

LG_EXPORT void lockgraph_annotate_destroy(void *lock, unsigned flags)
{
    (void)flags;
    struct lg_thread *t = lg_hook_thread();
    if (!t)
        return;
    lg_check_destroy(t, LG_ADDR(lock), LG_KIND_ANNOTATED, (struct lg_lock_word){LG_WORD_NO_OWNER, 0});
    lg_lock_end(t, LG_ADDR(lock), LG_RETIRE_DESTROY);
    unmark_reentrant(LG_ADDR(lock));
}

LG_EXPORT void lockgraph_annotate_before_lock(void *lock, unsigned flags)
{
    struct lg_thread *t = lg_hook_thread();
    if (!t || (flags & ANN_TRY))
        return;
    /* a wait left over (after_lock never called): end it, so it is not mistaken
     * for this one */
    if (pending)
        lg_block_end(t, pending);
    pending = lg_block_begin(t, LG_ADDR(lock), LG_KIND_ANNOTATED, annotated_subkind,
                             mode_of(flags), ctxflags_of(flags), LG_CALLER_PC());
    pending_addr = LG_ADDR(lock);
}

LG_EXPORT void lockgraph_annotate_after_lock(void *lock, unsigned flags, int recursion)
{
    struct lg_thread *t = lg_hook_thread();
    if (!t)
        return;
    uintptr_t pc = LG_CALLER_PC();
    if (pending && pending_addr == LG_ADDR(lock)) {
        lg_block_end(t, pending);
        pending = NULL;
    }
    if (flags & ANN_FAILED)
        return;
    int levels = (flags & ANN_RECURSIVE_LOCK) && recursion > 1 ? recursion : 1;
    if (levels > MAX_RECURSION)
        levels = MAX_RECURSION;
    for (int i = 0; i < levels; i++)
        lg_acquired(t, LG_ADDR(lock), LG_KIND_ANNOTATED, annotated_subkind, mode_of(flags),
                    ctxflags_of(flags), pc);
}

/* An unlock of a lock this thread does not hold per its records is a bad unlock
 * only if the records show another owner: no lock word tells more, and a lock
 * taken while untracked (before start-up, inside the shim) must not look like
 * misuse. */
LG_EXPORT int lockgraph_annotate_before_unlock(void *lock, unsigned flags)
{
    struct lg_thread *t = lg_hook_thread();
    if (!t)
        return 0;
    int n = 0;
    if (flags & ANN_RECURSIVE_UNLOCK) {
        while (n < MAX_RECURSION && lg_released(t, LG_ADDR(lock)))
            n++;
    } else {
        n = lg_released(t, LG_ADDR(lock));
    }
    if (!n && !(flags & ANN_READ))
        lg_bad_unlock(t, LG_ADDR(lock), LG_KIND_ANNOTATED,
                      (struct lg_lock_word){LG_WORD_NO_OWNER, 0});
    return n;
}

LG_EXPORT void lockgraph_annotate_after_unlock(void *lock, unsigned flags)
{
    (void)lock, (void)flags; /* the release was recorded before it (detect.h) */
}
