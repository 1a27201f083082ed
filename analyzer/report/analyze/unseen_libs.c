/* Known libraries with locks the shim does not see (unseen_libs.h). */
#include "unseen_libs.h"

#include <string.h>

/* Each row is true of the library as shipped by Debian 12, and says why:
 *  - GLib: after the GLib hooks, g_mutex_lock & co. called from the program are
 *    seen, but libglib's calls to its own GMutex/GCond/GRWLock functions stay
 *    inside the library (no PLT), so its internal locks are not.
 *  - Qt 5/6: QMutex/QBasicMutex lock with an inline atomic compare-and-swap compiled
 *    into the caller and wait on a futex in libQtCore; QReadWriteLock likewise.
 *  - oneTBB: tbb::spin_mutex, queuing_mutex, spin_rw_mutex and its own mutex wait
 *    on atomics and futexes (tbb/detail/_utils.h, src/tbb/address_waiter.cpp).
 *  - folly: SharedMutex, MicroSpinLock, DistributedMutex: atomics + futex.
 *  - Abseil: absl::Mutex is a lock word with a waiter list; on Linux its threads
 *    sleep on a futex (absl/synchronization/internal/futex_waiter.h, or its
 *    per-thread semaphore), never in a pthread mutex.
 * Not listed: libgomp (hooked), libstdc++/Boost's mutexes (pthread underneath),
 * jemalloc/libuv/libevent (pthread mutexes, seen). */
static const lg_unseen_lib table[] = {
    {"libglib-2.0.so", "GMutex, GRecMutex, GRWLock, GCond used inside GLib itself",
     LG_UNSEEN_INTERNAL},
    {"libQt5Core.so", "QMutex, QRecursiveMutex, QReadWriteLock", LG_UNSEEN_ALL},
    {"libQt6Core.so", "QMutex, QRecursiveMutex, QReadWriteLock", LG_UNSEEN_ALL},
    {"libtbb.so", "tbb::spin_mutex, queuing_mutex, spin_rw_mutex, tbb::mutex", LG_UNSEEN_ALL},
    {"libtbb12.so", "tbb::spin_mutex, queuing_mutex, spin_rw_mutex, tbb::mutex", LG_UNSEEN_ALL},
    {"libfolly.so", "folly::SharedMutex, MicroSpinLock, DistributedMutex", LG_UNSEEN_ALL},
    {"libabsl_synchronization.so", "absl::Mutex", LG_UNSEEN_ALL},
};

const lg_unseen_lib *lg_unseen_lib_of(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    for (size_t i = 0; i < G_N_ELEMENTS(table); i++) {
        size_t n = strlen(table[i].soname_prefix);
        /* libfoo.so, libfoo.so.5, libfoo.so.5.15.8 */
        if (strncmp(base, table[i].soname_prefix, n) == 0 && (base[n] == 0 || base[n] == '.'))
            return &table[i];
    }
    return NULL;
}

static gboolean in_module(const lg_module *m, uint64_t pc)
{
    for (uint32_t s = 0; s < m->nseg; s++)
        if (pc >= m->base + m->segs[s].vaddr && pc - m->base - m->segs[s].vaddr < m->segs[s].memsz)
            return TRUE;
    return FALSE;
}

static gboolean lock_from(const lg_process *p, const lg_lock *l, const lg_module *m)
{
    if (l->class_type == LG_CLASS_STATIC && l->class_module == m->id)
        return TRUE;
    const lg_model_stack *st = l->first_stack ? lg_process_stack(p, l->first_stack) : NULL;
    for (uint32_t i = 0; st && i < st->n; i++)
        if (in_module(m, st->pcs[i]))
            return TRUE;
    return FALSE;
}

GArray *lg_unseen_notes(const lg_process *p)
{
    GArray *out = g_array_new(FALSE, FALSE, sizeof(lg_unseen_note));
    for (guint i = 0; i < p->modules->len; i++) {
        const lg_module *m = g_ptr_array_index(p->modules, i);
        const lg_unseen_lib *lib = lg_unseen_lib_of(m->path);
        if (!lib)
            continue;
        gboolean seen = FALSE;
        for (guint k = 0; k < p->locks->len && !seen; k++)
            seen = lock_from(p, g_ptr_array_index(p->locks, k), m);
        if (!seen) {
            lg_unseen_note n = {m, lib};
            g_array_append_val(out, n);
        }
    }
    return out;
}
