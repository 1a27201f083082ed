#include "findings.h"
#include "names.h"

#include <stdlib.h>

lg_finding *lg_finding_new(int kind)
{
    lg_finding *f = g_new0(lg_finding, 1);
    f->kind = kind;
    f->verdict = LG_VERDICT_DEADLOCK;
    f->locks = g_array_new(FALSE, TRUE, sizeof(lg_flock));
    f->edges = g_array_new(FALSE, TRUE, sizeof(lg_fedge));
    f->occurrences = 1;
    return f;
}

void lg_finding_free(lg_finding *f)
{
    if (!f)
        return;
    g_free(f->detail);
    g_array_free(f->locks, TRUE);
    g_array_free(f->edges, TRUE);
    if (f->merged)
        g_ptr_array_free(f->merged, TRUE);
    g_free(f);
}

int lg_finding_lock_index(lg_finding *f, const lg_process *proc, const lg_lock *lock)
{
    for (guint i = 0; i < f->locks->len; i++) {
        const lg_flock *l = &g_array_index(f->locks, lg_flock, i);
        if (l->proc == proc && l->lock == lock)
            return (int)i;
    }
    lg_flock l = {proc, lock};
    g_array_append_val(f->locks, l);
    return (int)f->locks->len - 1;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

char *lg_finding_lock_set_key(const lg_finding *f)
{
    guint n = f->locks->len;
    uint64_t *ids = g_new(uint64_t, n ? n : 1);
    for (guint i = 0; i < n; i++)
        ids[i] = g_array_index(f->locks, lg_flock, i).lock->id;
    qsort(ids, n, sizeof *ids, cmp_u64);
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < n; i++)
        if (i == 0 || ids[i] != ids[i - 1])
            g_string_append_printf(s, "%" G_GUINT64_FORMAT ",", ids[i]);
    g_free(ids);
    return g_string_free(s, FALSE);
}

void lg_analysis_free(lg_analysis *a)
{
    if (!a)
        return;
    g_ptr_array_free(a->findings, TRUE);
    g_ptr_array_free(a->filtered, TRUE);
    g_array_free(a->stats, TRUE);
    g_ptr_array_free(a->procs, TRUE);
    g_free(a);
}

const char **lg_finding_flag_names(uint32_t flags)
{
    const char **out = g_new0(const char *, 8 * sizeof flags + 1);
    size_t k = 0;
    uint32_t bit;
    const char *name;
    for (unsigned i = 0; (name = lg_finding_flag_at(i, &bit)); i++)
        if (flags & bit)
            out[k++] = name;
    return out;
}
