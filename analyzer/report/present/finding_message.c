#include "finding_message.h"
#include "lock_label.h"
#include "names.h"

char **lg_finding_lock_labels(const lg_finding *f)
{
    guint n = f->locks->len;
    char **out = g_new0(char *, (gsize)n + 1);
    GHashTable *count = g_hash_table_new(g_str_hash, g_str_equal); /* class -> n */
    for (guint i = 0; i < n; i++) {
        const lg_flock *l = &g_array_index(f->locks, lg_flock, i);
        const char *key = l->lock->class_key ? l->lock->class_key : "";
        guint c = GPOINTER_TO_UINT(g_hash_table_lookup(count, key));
        g_hash_table_insert(count, (gpointer)key, GUINT_TO_POINTER(c + 1));
    }
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < n; i++) {
        const lg_flock *l = &g_array_index(f->locks, lg_flock, i);
        const char *key = l->lock->class_key ? l->lock->class_key : "";
        char *label = lg_lock_label(l->proc, l->lock);
        if (GPOINTER_TO_UINT(g_hash_table_lookup(count, key)) > 1) {
            guint k = GPOINTER_TO_UINT(g_hash_table_lookup(seen, key)) + 1;
            g_hash_table_insert(seen, (gpointer)key, GUINT_TO_POINTER(k));
            out[i] = g_strdup_printf("%s #%u", label, k);
            g_free(label);
        } else {
            out[i] = label;
        }
    }
    g_hash_table_destroy(seen);
    g_hash_table_destroy(count);
    return out;
}

/* "L0 -> L1 -> ... -> L0" by the locks' labels; a long cycle by its first and last
 * locks and how many are between. */
static char *cycle_text(const lg_finding *f)
{
    char **labels = lg_finding_lock_labels(f);
    guint n = f->locks->len;
    GString *s = g_string_new(NULL);
    const guint head = LG_MESSAGE_MAX_LOCKS - 2;
    for (guint i = 0; i <= n; i++) {
        if (n > LG_MESSAGE_MAX_LOCKS && i == head) {
            g_string_append_printf(s, " -> ... (%u more locks)", n - head - 2);
            i = n - 2;
        }
        g_string_append_printf(s, "%s%s", i ? " -> " : "", labels[i % n]);
    }
    g_strfreev(labels);
    return g_string_free(s, FALSE);
}

static char *gate_text(const lg_finding *f)
{
    if (f->gate_lock.lock)
        return lg_lock_label(f->gate_lock.proc, f->gate_lock.lock);
    return g_strdup((f->flags & LG_FINDF_CROSS_RUN) ? "a lock of another class" : "an unknown lock");
}

/* A cycle of the analysis: the verdict of the rules, worded. */
static char *cycle_message(const lg_finding *f)
{
    char *cyc = cycle_text(f);
    char *out = NULL;
    switch (f->verdict) {
    case LG_VERDICT_DEADLOCK:
        out = g_strdup_printf("lock-order inversion%s over %u locks: %s",
                              (f->flags & LG_FINDF_CROSS_RUN) ? " across runs" : "",
                              f->locks->len, cyc);
        break;
    case LG_VERDICT_TRYLOCK:
        out = g_strdup_printf("trylock: an edge of %s was only ever taken by trylock, "
                              "which cannot block", cyc);
        break;
    case LG_VERDICT_GATED: {
        char *g = gate_text(f);
        out = g_strdup_printf("gate-lock: every way to run %s concurrently needs %s "
                              "held by two threads at once", cyc, g);
        g_free(g);
        break;
    }
    case LG_VERDICT_READER_PREF: {
        const lg_flock *l = &g_array_index(f->locks, lg_flock, f->rw_lock);
        char *lab = lg_lock_label(l->proc, l->lock);
        out = g_strdup_printf("reader-preference: %s needs a reader to wait for readers "
                              "of %s, which prefers readers and never makes it wait",
                              cyc, lab);
        g_free(lab);
        break;
    }
    }
    g_free(cyc);
    return out ? out : g_strdup(lg_finding_kind_name(f->kind));
}

/* A finding the shim reported live (its edges are its items). */
static char *shim_message(const lg_finding *f)
{
    switch (f->kind) {
    case LG_FIND_DEADLOCK:
        return g_strdup_printf("deadlock: %u threads blocked on each other%s", f->edges->len,
                               (f->flags & LG_FINDF_ORPHANED) ? " (a lock's owner exited)" : "");
    case LG_FIND_LOCK_ORDER_INVERSION:
        return g_strdup_printf("lock-order inversion over %u locks (seen live)", f->edges->len);
    case LG_FIND_SELF_DEADLOCK:
        return g_strdup("self-deadlock: a thread re-acquired a non-recursive lock it holds");
    case LG_FIND_BAD_UNLOCK:
        return g_strdup((f->flags & LG_FINDF_NOT_OWNER)
                            ? "bad-unlock: a thread released a lock held by another thread"
                            : "bad-unlock: a thread released a lock it does not hold");
    case LG_FIND_DESTROY_LOCKED:
        return g_strdup("destroy-locked: a lock was destroyed while held");
    case LG_FIND_BAD_COND_WAIT:
        return g_strdup((f->flags & LG_FINDF_NOT_MUTEX)
                            ? "bad-cond-wait: a condition wait was given a lock that is not a mutex"
                        : (f->flags & LG_FINDF_NOT_OWNER)
                            ? "bad-cond-wait: a condition wait with a mutex held by another thread"
                            : "bad-cond-wait: a condition wait with a mutex the thread does not hold");
    case LG_FIND_USE_AFTER_DESTROY:
        return g_strdup("use-after-destroy: a lock was used after it was destroyed");
    case LG_FIND_EXIT_HELD_LOCK:
        return g_strdup("exit-held-lock: a thread ended while holding a lock (nothing "
                        "releases it any more)");
    case LG_FIND_FORK_HELD_LOCK:
        return g_strdup("fork-held-lock: a fork child took a lock another thread held at the "
                        "fork (it is never released there)");
    case LG_FIND_LONG_HOLD: /* the numbers merged over every report of this hold */
        return g_strdup_printf("long-hold: lock held for up to %" G_GUINT64_FORMAT
                               " ms (%" G_GUINT64_FORMAT " time%s over the threshold)",
                               f->value, f->count, f->count == 1 ? "" : "s");
    }
    return g_strdup(lg_finding_kind_name(f->kind));
}

char *lg_finding_message(const lg_finding *f)
{
    return f->from_shim ? shim_message(f) : cycle_message(f);
}
