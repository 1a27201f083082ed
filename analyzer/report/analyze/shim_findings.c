/* FINDING records (what the shim saw live) turned into report findings.
 * Item semantics per kind are in docs/log-format.md. */
#include "analysis.h"

#include <string.h>

static void add_edge(lg_finding *f, const lg_process *p, const lg_shim_finding *sf,
                     const lg_item *it, int from, int to)
{
    lg_fedge e = {.from = from, .to = to, .proc = p, .thread = it->thread, .stack = it->stack,
                  .held_stack = it->other_stack, .acquired_mode = it->mode & 0x0f,
                  .held_mode = (uint8_t)(it->mode >> 4), .ts = sf->ts,
                  .has_wait = it->has_wait, .wait_flags = it->wait_flags,
                  .waited_ns = it->waited_ns, .held_ns = it->held_ns};
    if (it->wait_flags & LG_WAITF_TIMED)
        e.ctx_flags |= LG_CTXF_TIMED;
    g_array_append_val(f->edges, e);
}

/* Index of lock id in f->locks, appending it if absent; idx (lock -> index + 1) makes
 * a long live cycle linear, not quadratic, to read. */
static int lock_index_in(lg_finding *f, const lg_process *p, uint64_t id, GHashTable *idx)
{
    const lg_lock *l = id ? lg_process_lock(p, id) : NULL;
    if (!l)
        return -1;
    gpointer v = g_hash_table_lookup(idx, l);
    if (v)
        return GPOINTER_TO_INT(v) - 1;
    lg_flock fl = {p, l};
    g_array_append_val(f->locks, fl);
    g_hash_table_insert(idx, (gpointer)l, GINT_TO_POINTER((int)f->locks->len));
    return (int)f->locks->len - 1;
}
#define lock_index(f, p, id) lock_index_in(f, p, id, idx)

/* Deadlock items are one per blocked thread; put them in cycle order (each thread
 * waits for the lock the next one holds) so edges read as a cycle. */
static lg_item *cycle_order(const lg_shim_finding *sf)
{
    lg_item *out = g_new(lg_item, sf->n ? sf->n : 1);
    gboolean *used = g_new0(gboolean, sf->n ? sf->n : 1);
    uint32_t k = 0;
    while (k < sf->n) {
        uint32_t start = 0;
        while (used[start])
            start++;
        uint32_t cur = start;
        for (;;) {
            used[cur] = TRUE;
            out[k++] = sf->items[cur];
            uint32_t next = sf->n;
            for (uint32_t j = 0; j < sf->n; j++)
                if (!used[j] && sf->items[j].lock == sf->items[cur].other_lock) {
                    next = j;
                    break;
                }
            if (next == sf->n)
                break;
            cur = next;
        }
    }
    g_free(used);
    return out;
}

/* Does the cycle analysis already have a cycle over exactly these locks? */
static gboolean known_cycle(const lg_analysis *a, const lg_process *p, const char *set)
{
    const GPtrArray *lists[2] = {a->findings, a->filtered};
    for (int k = 0; k < 2; k++)
        for (guint i = 0; i < lists[k]->len; i++) {
            const lg_finding *f = g_ptr_array_index(lists[k], i);
            if (f->kind != LG_FIND_LOCK_ORDER_INVERSION || f->from_shim ||
                (f->flags & LG_FINDF_CROSS_RUN) || f->locks->len == 0 ||
                g_array_index(f->locks, lg_flock, 0).proc != p)
                continue;
            char *other = lg_finding_lock_set_key(f);
            gboolean same = strcmp(other, set) == 0;
            g_free(other);
            if (same)
                return TRUE;
        }
    return FALSE;
}

/* f's locks and edges from sf's items (docs/log-format.md says what they are per kind). */
static void add_items(lg_finding *f, const lg_process *p, const lg_shim_finding *sf)
{
    /* every finding starts with no locks, so the index sees them all */
    GHashTable *idx = g_hash_table_new(g_direct_hash, g_direct_equal);
    g_assert(f->locks->len == 0);
    if (sf->kind == LG_FIND_LOCK_ORDER_INVERSION) {
        for (uint32_t k = 0; k < sf->n; k++) {
            int from = lock_index(f, p, sf->items[k].lock);
            int to = lock_index(f, p, sf->items[k].other_lock);
            add_edge(f, p, sf, &sf->items[k], from, to);
        }
    } else if (sf->kind == LG_FIND_DEADLOCK) {
        lg_item *ord = cycle_order(sf);
        for (uint32_t k = 0; k < sf->n; k++)
            lock_index(f, p, ord[k].lock);
        for (uint32_t k = 0; k < sf->n; k++) {
            int from = lock_index(f, p, ord[k].lock);
            int to = lock_index(f, p, ord[k].other_lock);
            add_edge(f, p, sf, &ord[k], from, to);
        }
        g_free(ord);
    } else {
        /* fork-held-lock: item 1 is the parent thread that held the lock */
        uint32_t nitems = sf->kind == LG_FIND_FORK_HELD_LOCK ? 2 : 1;
        for (uint32_t k = 0; k < sf->n && k < nitems; k++) {
            int li = lock_index(f, p, sf->items[k].lock);
            add_edge(f, p, sf, &sf->items[k], li, -1);
        }
    }
    g_hash_table_destroy(idx);
}
#undef lock_index

/* One long-hold finding per (lock, acquisition site): the longest hold, and how many
 * holds went over the threshold.  The shim reports a hold that is still going on
 * (still_held) and then again when it ends: that is one hold.  holds: "lock:stack"
 * -> the finding kept; open_holds: "lock:stack:thread" of holds still going on.
 * Returns TRUE if f was merged into the finding kept for its hold (f is freed), FALSE
 * if f is the first of its hold (now kept in holds). */
static gboolean merge_long_hold(GHashTable *holds, GHashTable *open_holds, lg_finding *f,
                                const lg_shim_finding *sf)
{
    const lg_item *it = sf->n ? &sf->items[0] : NULL;
    char *key = g_strdup_printf("%" G_GUINT64_FORMAT ":%u", it ? it->lock : 0,
                                it ? it->stack : 0);
    char *hold = g_strdup_printf("%s:%u", key, it ? it->thread : 0);
    gboolean continues = g_hash_table_remove(open_holds, hold);
    if (sf->flags & LG_FINDF_STILL_HELD)
        g_hash_table_add(open_holds, g_strdup(hold));
    g_free(hold);
    lg_finding *prev = g_hash_table_lookup(holds, key);
    if (!prev) {
        f->value = sf->value;
        f->count = 1;
        g_hash_table_insert(holds, key, f);
        return FALSE;
    }
    if (!continues)
        prev->count++;
    if (sf->value >= prev->value) {
        prev->value = sf->value;
        g_array_set_size(prev->edges, 0);
        g_array_append_vals(prev->edges, f->edges->data, f->edges->len);
        prev->flags = f->flags;
        g_free(prev->detail);
        prev->detail = g_strdup(f->detail);
    }
    g_free(key);
    lg_finding_free(f);
    return TRUE;
}

void lg_shim_findings(lg_analysis *a, const lg_process *p)
{
    GHashTable *holds = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    GHashTable *open_holds = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (guint i = 0; i < p->findings->len; i++) {
        const lg_shim_finding *sf = g_ptr_array_index(p->findings, i);
        lg_finding *f = lg_finding_new(sf->kind);
        f->from_shim = TRUE;
        f->flags = sf->flags & ~(uint32_t)LG_FINDF_CROSS_RUN;
        f->detail = sf->detail && *sf->detail ? g_strdup(sf->detail) : NULL;
        add_items(f, p, sf);

        if (sf->kind == LG_FIND_LOCK_ORDER_INVERSION) {
            char *set = lg_finding_lock_set_key(f);
            gboolean dup = known_cycle(a, p, set);
            g_free(set);
            if (dup) { /* the offline analysis saw the whole graph: its verdict wins */
                lg_finding_free(f);
                continue;
            }
        }
        if (sf->kind == LG_FIND_LONG_HOLD && merge_long_hold(holds, open_holds, f, sf))
            continue;
        g_ptr_array_add(a->findings, f);
    }
    g_hash_table_destroy(holds);
    g_hash_table_destroy(open_holds);
}
