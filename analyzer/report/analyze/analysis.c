#include "analysis.h"
#include "fingerprint.h"

#include <string.h>

static int cmp_stats(const void *a, const void *b)
{
    const lg_lock_stats *x = ((const lg_stat_row *)a)->s, *y = ((const lg_stat_row *)b)->s;
    if (x->contended != y->contended)
        return x->contended > y->contended ? -1 : 1;
    if (x->wait_total_ns != y->wait_total_ns)
        return x->wait_total_ns > y->wait_total_ns ? -1 : 1;
    if (x->acquisitions != y->acquisitions)
        return x->acquisitions > y->acquisitions ? -1 : 1;
    return 0;
}

/* Real deadlocks first, then potential ones, then misuse, then performance. */
static int kind_rank(int kind)
{
    static const int rank[LG_FIND_KIND_MAX + 1] = {
        [LG_FIND_DEADLOCK] = 0, [LG_FIND_LOCK_ORDER_INVERSION] = 1, [LG_FIND_SELF_DEADLOCK] = 2,
        [LG_FIND_BAD_UNLOCK] = 3, [LG_FIND_DESTROY_LOCKED] = 4, [LG_FIND_LONG_HOLD] = 5,
        [LG_FIND_FORK_HELD_LOCK] = 2, [LG_FIND_BAD_COND_WAIT] = 3,
        [LG_FIND_USE_AFTER_DESTROY] = 3, [LG_FIND_EXIT_HELD_LOCK] = 3};
    return kind > 0 && kind <= LG_FIND_KIND_MAX ? rank[kind] : LG_FIND_KIND_MAX + 1;
}

static gint cmp_findings(gconstpointer a, gconstpointer b)
{
    const lg_finding *x = *(const lg_finding *const *)a, *y = *(const lg_finding *const *)b;
    return kind_rank(x->kind) - kind_rank(y->kind);
}

static const lg_process *finding_proc(const lg_finding *f)
{
    return f->locks->len ? g_array_index(f->locks, lg_flock, 0).proc : NULL;
}

/* Merges findings of one kind and fingerprint into the first one (occurrences).  A
 * merged cycle of the first one's process over other lock instances is a distinct
 * cycle, not a repeat: it is kept under first->merged so reports can still show it. */
static void merge_duplicates(GPtrArray *list)
{
    GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    /* first finding -> set of lock-set keys already shown under it */
    GHashTable *cycles = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                               (GDestroyNotify)g_hash_table_destroy);
    GPtrArray *kept = g_ptr_array_new();
    for (guint i = 0; i < list->len; i++) {
        lg_finding *f = g_ptr_array_index(list, i);
        char *key = g_strdup_printf("%d:%s", f->kind, f->fingerprint);
        lg_finding *first = g_hash_table_lookup(seen, key);
        if (first) {
            first->occurrences += f->occurrences;
            first->count += f->count;
            if (f->value > first->value)
                first->value = f->value;
            g_free(key);
            gboolean distinct = FALSE;
            if (lg_finding_is_cycle(f) && !(f->flags & LG_FINDF_CROSS_RUN) &&
                finding_proc(f) == finding_proc(first)) {
                GHashTable *keys = g_hash_table_lookup(cycles, first);
                if (!keys) {
                    keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
                    g_hash_table_add(keys, lg_finding_lock_set_key(first));
                    g_hash_table_insert(cycles, first, keys);
                }
                char *lk = lg_finding_lock_set_key(f);
                distinct = !g_hash_table_contains(keys, lk) &&
                           (!first->merged || first->merged->len < LG_MERGED_MAX);
                if (distinct)
                    g_hash_table_add(keys, lk);
                else
                    g_free(lk);
            }
            if (distinct) {
                if (!first->merged)
                    first->merged = g_ptr_array_new_with_free_func((GDestroyNotify)lg_finding_free);
                g_ptr_array_add(first->merged, f);
            } else {
                lg_finding_free(f);
            }
            continue;
        }
        g_hash_table_insert(seen, key, f);
        g_ptr_array_add(kept, f);
    }
    /* steal the pointers back in order without freeing them */
    g_ptr_array_set_free_func(list, NULL);
    g_ptr_array_set_size(list, 0);
    for (guint i = 0; i < kept->len; i++)
        g_ptr_array_add(list, g_ptr_array_index(kept, i));
    g_ptr_array_set_free_func(list, (GDestroyNotify)lg_finding_free);
    g_ptr_array_free(kept, TRUE);
    g_hash_table_destroy(cycles);
    g_hash_table_destroy(seen);
}

void lg_analysis_recount(lg_analysis *a)
{
    memset(a->counts, 0, sizeof a->counts);
    a->nsuppressed = 0;
    for (guint i = 0; i < a->findings->len; i++) {
        const lg_finding *f = g_ptr_array_index(a->findings, i);
        if (f->suppressed)
            a->nsuppressed++;
        else if (f->kind > 0 && f->kind <= LG_FIND_KIND_MAX)
            a->counts[f->kind]++;
    }
    memset(a->nfiltered_by, 0, sizeof a->nfiltered_by);
    for (guint i = 0; i < a->filtered->len; i++) {
        const lg_finding *f = g_ptr_array_index(a->filtered, i);
        if ((unsigned)f->verdict < G_N_ELEMENTS(a->nfiltered_by))
            a->nfiltered_by[f->verdict]++;
    }
}

lg_analysis *lg_analyze(GPtrArray *procs, const lg_analysis_opts *opts)
{
    lg_analysis_opts def = {0};
    if (!opts)
        opts = &def;
    lg_analysis *a = g_new0(lg_analysis, 1);
    a->procs = procs;
    a->findings = g_ptr_array_new_with_free_func((GDestroyNotify)lg_finding_free);
    a->filtered = g_ptr_array_new_with_free_func((GDestroyNotify)lg_finding_free);
    a->stats = g_array_new(FALSE, TRUE, sizeof(lg_stat_row));

    for (guint i = 0; i < procs->len; i++)
        lg_instance_cycles(a, g_ptr_array_index(procs, i), opts);
    lg_cross_run_cycles(a, opts);
    for (guint i = 0; i < procs->len; i++)
        lg_shim_findings(a, g_ptr_array_index(procs, i));

    for (guint i = 0; i < a->findings->len; i++)
        lg_fingerprint_compute(g_ptr_array_index(a->findings, i));
    for (guint i = 0; i < a->filtered->len; i++)
        lg_fingerprint_compute(g_ptr_array_index(a->filtered, i));
    merge_duplicates(a->findings);
    merge_duplicates(a->filtered);
    g_ptr_array_sort(a->findings, cmp_findings); /* stable: log order within a kind */

    for (guint i = 0; i < procs->len; i++) {
        const lg_process *p = g_ptr_array_index(procs, i);
        for (guint k = 0; k < p->locks->len; k++) {
            const lg_lock *l = g_ptr_array_index(p->locks, k);
            const lg_lock_stats *s = g_hash_table_lookup(p->stats, &l->id);
            if (s) {
                lg_stat_row r = {p, l, s};
                g_array_append_val(a->stats, r);
            }
        }
    }
    g_array_sort(a->stats, cmp_stats);
    lg_analysis_recount(a);
    return a;
}
