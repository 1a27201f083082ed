/* OpenMP lock hooks: omp_*_lock, omp_*_nest_lock, and libgomp's critical sections
 * (GOMP_critical_start/_end, GOMP_critical_name_start/_end).
 *
 * libgomp builds all of them on its own futex mutex, not on pthread: without these
 * hooks they are invisible.  An omp_lock_t is a normal mutex, an omp_nest_lock_t a
 * recursive one, each identified by its address.  `#pragma omp critical(name)` is
 * GOMP_critical_name_start(&.gomp_critical_user_name), a common symbol shared by
 * every module of the process: that address is the lock, and the report names it
 * `omp critical(name)` from the symbol.  The unnamed `#pragma omp critical` is one
 * process-wide lock inside libgomp that no symbol exports: it is modelled by the
 * shim's own object lg_omp_critical (named `omp critical` in reports).
 *
 * Waits are published (lg_block_begin) only when the call may block.  With libgomp
 * the lock word is known (omp_lock_t and the nest lock's first word are its futex,
 * 0 when free; a named critical section's pointer slot is used as the futex
 * itself), so the hooks peek it as the pthread hooks do.  Any other runtime (LLVM's
 * libomp keeps a tagged word) is asked with omp_test_*lock first, and its named
 * critical sections always publish.  The unnamed critical section's word is private
 * to libgomp: the hooks peek their own copy instead (crit_busy, set while a traced
 * thread is inside), so a thread that enters while another is inside publishes its
 * wait; two entering at the same instant may leave one blocked unpublished, which
 * the watchdog cannot find from the futex (it is libgomp's, not lg_omp_critical).
 *
 * Under clang -fopenmp, `#pragma omp critical` compiles to libomp's __kmpc_critical,
 * not to GOMP_critical_*: not hooked (docs/shim.md).  omp_*_lock is the same API
 * under both compilers and is hooked for both runtimes.
 *
 * libgomp also exports omp_*_nest_lock@OMP_1.0 for binaries built before GCC 4.4
 * (an 8-byte nest lock): such a binary's calls bind to these hooks, which forward to
 * the OMP_3.0 functions; that layout is not supported.
 *
 * The real functions are resolved on first call (LAZY, real.h): a program without
 * OpenMP never resolves, loads or pays for any of this.
 */
#define _GNU_SOURCE
#include "hook.h"

#include <dlfcn.h>
#include <string.h>

#define OREAL(name) LAZY(name, LG_LIB_OMP)

/* The unnamed critical section, as a lock the core can key: its address only. */
__attribute__((visibility("hidden"))) char lg_omp_critical;
/* 1 while a traced thread is inside the unnamed critical section. */
static int crit_busy;

/* 1: the runtime behind omp_set_lock is libgomp, whose lock words hooks may read;
 * 2: another runtime.  0 until known; racing first calls compute the same answer. */
static int runtime;

/* fn: the real function about to be called (so nothing else needs resolving). */
static int is_libgomp(void *fn)
{
    int r = __atomic_load_n(&runtime, __ATOMIC_RELAXED);
    if (__builtin_expect(r != 0, 1))
        return r == 1;
    Dl_info info;
    r = 2;
    if (dladdr(fn, &info) && info.dli_fname &&
        strstr(info.dli_fname, "libgomp"))
        r = 1;
    __atomic_store_n(&runtime, r, __ATOMIC_RELAXED);
    return r == 1;
}

static inline int word_busy(const void *p)
{
    return __atomic_load_n((const int *)p, __ATOMIC_RELAXED) != 0;
}

/* ---- omp_lock_t / omp_nest_lock_t ------------------------------------------------ */

static void set_lock(void *lk, int nest, uintptr_t pc)
{
    struct lg_thread *t = lg_hook_thread();
    if (!t) {
        nest ? OREAL(omp_set_nest_lock)(lk) : OREAL(omp_set_lock)(lk);
        return;
    }
    lg_subkind_fn sub = nest ? lg_recursive_subkind : NULL;
    int taken = 0;
    if (is_libgomp(nest ? (void *)OREAL(omp_set_nest_lock) : (void *)OREAL(omp_set_lock))) {
        if (__builtin_expect(!word_busy(lk), 1)) {
            nest ? OREAL(omp_set_nest_lock)(lk) : OREAL(omp_set_lock)(lk);
            taken = 1;
        }
    } else {
        taken = nest ? OREAL(omp_test_nest_lock)(lk) > 0 : OREAL(omp_test_lock)(lk) != 0;
    }
    if (!taken) {
        struct lg_lockrec *l = lg_block_begin(t, LG_ADDR(lk), LG_KIND_MUTEX, sub, LG_MODE_EXCL, 0, pc);
        nest ? OREAL(omp_set_nest_lock)(lk) : OREAL(omp_set_lock)(lk);
        lg_block_end(t, l);
    }
    lg_acquired(t, LG_ADDR(lk), LG_KIND_MUTEX, sub, LG_MODE_EXCL, 0, pc);
}

LG_EXPORT void omp_set_lock(void *lk) { set_lock(lk, 0, LG_CALLER_PC()); }
LG_EXPORT void omp_set_nest_lock(void *lk) { set_lock(lk, 1, LG_CALLER_PC()); }

LG_EXPORT int omp_test_lock(void *lk)
{
    struct lg_thread *t = lg_hook_thread();
    int r = OREAL(omp_test_lock)(lk);
    if (t && r)
        lg_acquired(t, LG_ADDR(lk), LG_KIND_MUTEX, NULL, LG_MODE_EXCL, LG_CTXF_TRY,
                    LG_CALLER_PC());
    return r;
}

/* Returns the new nesting count, 0 when not acquired. */
LG_EXPORT int omp_test_nest_lock(void *lk)
{
    struct lg_thread *t = lg_hook_thread();
    int r = OREAL(omp_test_nest_lock)(lk);
    if (t && r > 0)
        lg_acquired(t, LG_ADDR(lk), LG_KIND_MUTEX, lg_recursive_subkind, LG_MODE_EXCL,
                    LG_CTXF_TRY, LG_CALLER_PC());
    return r;
}

/* An unset the records did not expect: libgomp's simple lock word says whether it is
 * locked (by no one in particular); a nest lock's owner field is not a tid, and
 * another runtime's word is not known: the records alone cannot tell, say nothing
 * (misuse.h, U4). */
static void unset_lock(void *lk, int nest)
{
    struct lg_thread *t = lg_hook_thread();
    if (t && !lg_released(t, LG_ADDR(lk))) {
        struct lg_lock_word w = {LG_WORD_HELD, 0};
        if (!nest && is_libgomp((void *)OREAL(omp_unset_lock)))
            w.state = word_busy(lk) ? LG_WORD_NO_OWNER : LG_WORD_UNLOCKED;
        lg_bad_unlock(t, LG_ADDR(lk), LG_KIND_MUTEX, w);
    }
    nest ? OREAL(omp_unset_nest_lock)(lk) : OREAL(omp_unset_lock)(lk);
}

LG_EXPORT void omp_unset_lock(void *lk) { unset_lock(lk, 0); }
LG_EXPORT void omp_unset_nest_lock(void *lk) { unset_lock(lk, 1); }

static void init_lock(void *lk, int nest)
{
    struct lg_thread *t = lg_hook_thread();
    if (t)
        lg_lock_end(t, LG_ADDR(lk), LG_RETIRE_REINIT);
    nest ? OREAL(omp_init_nest_lock)(lk) : OREAL(omp_init_lock)(lk);
}

LG_EXPORT void omp_init_lock(void *lk) { init_lock(lk, 0); }
LG_EXPORT void omp_init_nest_lock(void *lk) { init_lock(lk, 1); }

static void destroy_lock(void *lk, int nest)
{
    struct lg_thread *t = lg_hook_thread();
    if (t)
        /* the records decide destroy-locked; the word is not read for an OpenMP lock */
        lg_check_destroy(t, LG_ADDR(lk), LG_KIND_MUTEX, (struct lg_lock_word){LG_WORD_HELD, 0});
    nest ? OREAL(omp_destroy_nest_lock)(lk) : OREAL(omp_destroy_lock)(lk);
    if (t)
        lg_lock_end(t, LG_ADDR(lk), LG_RETIRE_DESTROY);
}

LG_EXPORT void omp_destroy_lock(void *lk) { destroy_lock(lk, 0); }
LG_EXPORT void omp_destroy_nest_lock(void *lk) { destroy_lock(lk, 1); }

/* ---- critical sections ------------------------------------------------------------ */

/* name: the named section's pointer slot, or NULL for the unnamed one. */
static void critical_start(void **name, uintptr_t pc)
{
    struct lg_thread *t = lg_hook_thread();
    if (!t) {
        name ? OREAL(GOMP_critical_name_start)(name) : OREAL(GOMP_critical_start)();
        return;
    }
    uintptr_t addr = name ? LG_ADDR(name) : LG_ADDR(&lg_omp_critical);
    int busy = name ? !is_libgomp((void *)OREAL(GOMP_critical_name_start)) || word_busy(name)
                    : __atomic_load_n(&crit_busy, __ATOMIC_RELAXED);
    if (__builtin_expect(!busy, 1)) {
        name ? OREAL(GOMP_critical_name_start)(name) : OREAL(GOMP_critical_start)();
    } else {
        struct lg_lockrec *l = lg_block_begin(t, addr, LG_KIND_MUTEX, NULL, LG_MODE_EXCL, 0, pc);
        name ? OREAL(GOMP_critical_name_start)(name) : OREAL(GOMP_critical_start)();
        lg_block_end(t, l);
    }
    if (!name)
        __atomic_store_n(&crit_busy, 1, __ATOMIC_RELAXED);
    lg_acquired(t, addr, LG_KIND_MUTEX, NULL, LG_MODE_EXCL, 0, pc);
}

static void critical_end(void **name)
{
    struct lg_thread *t = lg_hook_thread();
    if (t)
        lg_released(t, name ? LG_ADDR(name) : LG_ADDR(&lg_omp_critical));
    if (!name)
        __atomic_store_n(&crit_busy, 0, __ATOMIC_RELAXED);
    name ? OREAL(GOMP_critical_name_end)(name) : OREAL(GOMP_critical_end)();
}

LG_EXPORT void GOMP_critical_start(void) { critical_start(NULL, LG_CALLER_PC()); }
LG_EXPORT void GOMP_critical_end(void) { critical_end(NULL); }
LG_EXPORT void GOMP_critical_name_start(void **name) { critical_start(name, LG_CALLER_PC()); }
LG_EXPORT void GOMP_critical_name_end(void **name) { critical_end(name); }
