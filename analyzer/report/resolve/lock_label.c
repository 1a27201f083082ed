/* pthread_rwlock_t, pthread_spinlock_t (lock_sizes) */
#define _POSIX_C_SOURCE 200809L

#include "lock_label.h"
#include "frames.h"
#include "log_format.h"
#include "names.h"
#include "symbol_cache.h"

#include <pthread.h>
#include <string.h>
#include <threads.h>

/* The sizes a lock of this kind can have, so the DWARF walk stops at the lock (or
 * a type that is exactly one, like std::mutex) and never names a member inside
 * it.  LG_KIND_MUTEX also covers GMutex and OpenMP's locks (shim/hooks/glib.c,
 * omp.c): libgomp's omp_lock_t and omp_nest_lock_t, libomp's pointer-sized ones.
 * FILE and annotated locks: any size (the outermost object at the address). */
static size_t lock_sizes(uint8_t kind, uint64_t *out)
{
    size_t n = 0;
    switch (kind) {
    case LG_KIND_MUTEX:
        out[n++] = sizeof(pthread_mutex_t);
        out[n++] = sizeof(void *); /* GMutex, libomp's omp_lock_t */
        out[n++] = 4;              /* libgomp's omp_lock_t */
        out[n++] = 8 + sizeof(void *); /* libgomp's omp_nest_lock_t */
        break;
    case LG_KIND_RWLOCK:
        out[n++] = sizeof(pthread_rwlock_t);
        break;
    case LG_KIND_SPIN:
        out[n++] = sizeof(pthread_spinlock_t);
        break;
    case LG_KIND_MTX:
        out[n++] = sizeof(mtx_t);
        break;
    default:
        break;
    }
    return n;
}

char *lg_lock_name(const lg_process *p, const lg_lock *l)
{
    if (l->class_type != LG_CLASS_STATIC || !l->class_module)
        return NULL;
    const lg_module *m = lg_process_module(p, l->class_module);
    if (!m)
        return NULL;
    /* which element of an array, which member of a struct: from the DWARF (first,
     * because it is one index lookup, where the ELF symbol is a scan of the table) */
    uint64_t sizes[4];
    const char *path = lg_symbols_data_name(m, l->class_offset, sizes, lock_sizes(l->kind, sizes));
    if (path) {
        char critical[256];
        return g_strdup(lg_omp_critical_name(path, critical, sizeof critical) ? critical : path);
    }
    const lg_sym *s = lg_symbols_lookup(m, l->class_offset);
    if (!s->function)
        return NULL;
    char critical[256];
    if (!s->sym_offset && lg_omp_critical_name(s->function, critical, sizeof critical))
        return g_strdup(critical);
    /* no DWARF (or no exact path): the symbol and how far into it */
    return s->sym_offset ? g_strdup_printf("%s+0x%" G_GINT64_MODIFIER "x", s->function, s->sym_offset)
                         : g_strdup(s->function);
}

int lg_lock_from_init(const lg_lock *l)
{
    return l->class_type == LG_CLASS_SITE && (l->flags & LG_LOCKF_INIT_SITE) && l->class_stack;
}

char *lg_lock_label(const lg_process *p, const lg_lock *l)
{
    char *name = lg_lock_name(p, l);
    if (name) {
        char *out = g_strdup_printf("%s %s", lg_lock_kind_name(l->kind), name);
        g_free(name);
        return out;
    }
    /* a heap or stack lock: named by where its class comes from, the init call
     * (LOCK.flags LG_LOCKF_INIT_SITE: one constructor, one name for all its
     * objects) or else the first use */
    int init = lg_lock_from_init(l);
    GArray *fr = lg_frames_resolve(p, init ? l->class_stack : l->first_stack, l->ts);
    char *out;
    if (fr->len) {
        lg_user_site u = lg_frames_user_site(fr);
        const lg_frame *f = &g_array_index(fr, lg_frame, u.frame < 0 ? 0 : (guint)u.frame);
        char *site;
        if (u.frame >= 0 && u.function && u.line) {
            char *base = g_path_get_basename(u.file);
            site = g_strdup_printf("%s (%s:%d)", u.function, base, u.line);
            g_free(base);
        } else if (f->sym->function && f->sym->file && f->sym->line) {
            char *base = g_path_get_basename(f->sym->file);
            site = g_strdup_printf("%s (%s:%d)", f->sym->function, base, f->sym->line);
            g_free(base);
        } else {
            site = lg_frame_signature(f);
        }
        out = g_strdup_printf("%s 0x%" G_GINT64_MODIFIER "x %s %s", lg_lock_kind_name(l->kind),
                              l->addr, init ? "initialized in" : "first used in", site);
        g_free(site);
    } else {
        out = g_strdup_printf("%s 0x%" G_GINT64_MODIFIER "x", lg_lock_kind_name(l->kind), l->addr);
    }
    g_array_free(fr, TRUE);
    return out;
}
