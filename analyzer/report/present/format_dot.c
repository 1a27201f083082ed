/* Graphviz DOT: every process's lock-order graph; edges of reported cycles red,
 * edges of filtered cycles dashed. */
#include "formats.h"
#include "lock_label.h"

static void node_id(char *buf, size_t n, const lg_process *p, uint64_t lock)
{
    g_snprintf(buf, n, "p%u_l%" G_GUINT64_FORMAT, p->index, lock);
}

static void quoted(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

/* Edge key "pI:from:to" -> style bits: 1 reported, 2 filtered. */
static void mark(GHashTable *marks, const lg_finding *f, guint bit)
{
    for (guint i = 0; i < f->edges->len; i++) {
        const lg_fedge *e = &g_array_index(f->edges, lg_fedge, i);
        if (e->to < 0 || e->from < 0)
            continue;
        const lg_flock *a = &g_array_index(f->locks, lg_flock, e->from);
        const lg_flock *b = &g_array_index(f->locks, lg_flock, e->to);
        if (a->proc != b->proc)
            continue; /* cross-run: drawn as its own edge below */
        char *key = g_strdup_printf("%u:%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT, a->proc->index,
                                    a->lock->id, b->lock->id);
        guint old = GPOINTER_TO_UINT(g_hash_table_lookup(marks, key));
        g_hash_table_replace(marks, key, GUINT_TO_POINTER(old | bit));
    }
}

void lg_format_dot(FILE *out, const lg_analysis *a, const lg_format_opts *o)
{
    (void)o;
    GHashTable *marks = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (guint i = 0; i < a->findings->len; i++) {
        const lg_finding *f = g_ptr_array_index(a->findings, i);
        if (!f->suppressed && lg_finding_is_cycle(f))
            mark(marks, f, 1);
    }
    for (guint i = 0; i < a->filtered->len; i++)
        mark(marks, g_ptr_array_index(a->filtered, i), 2);

    fprintf(out, "digraph lockgraph {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n");
    char na[64], nb[64];
    for (guint pi = 0; pi < a->procs->len; pi++) {
        const lg_process *p = g_ptr_array_index(a->procs, pi);
        fprintf(out, "  subgraph cluster_%u {\n    label=", pi);
        char *lab = g_strdup_printf("pid %u %s", p->pid, p->exe);
        quoted(out, lab);
        g_free(lab);
        fprintf(out, ";\n");
        for (guint i = 0; i < p->locks->len; i++) {
            const lg_lock *l = g_ptr_array_index(p->locks, i);
            node_id(na, sizeof na, p, l->id);
            char *label = lg_lock_label(p, l);
            fprintf(out, "    %s [label=", na);
            quoted(out, label);
            fprintf(out, "];\n");
            g_free(label);
        }
        fprintf(out, "  }\n");
        for (guint i = 0; i < p->edges->len; i++) {
            const lg_model_edge *e = g_ptr_array_index(p->edges, i);
            node_id(na, sizeof na, p, e->from);
            node_id(nb, sizeof nb, p, e->to);
            char key[96];
            g_snprintf(key, sizeof key, "%u:%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT, p->index,
                       e->from, e->to);
            guint m = GPOINTER_TO_UINT(g_hash_table_lookup(marks, key));
            fprintf(out, "  %s -> %s", na, nb);
            if (m & 1)
                fprintf(out, " [color=red, penwidth=2%s]", (m & 2) ? ", style=dashed" : "");
            else if (m & 2)
                fprintf(out, " [style=dashed]");
            fprintf(out, ";\n");
        }
    }
    /* cross-run findings join nodes of different processes */
    for (guint i = 0; i < a->findings->len; i++) {
        const lg_finding *f = g_ptr_array_index(a->findings, i);
        if (f->suppressed || !(f->flags & LG_FINDF_CROSS_RUN))
            continue;
        for (guint k = 0; k < f->edges->len; k++) {
            const lg_fedge *e = &g_array_index(f->edges, lg_fedge, k);
            const lg_flock *x = &g_array_index(f->locks, lg_flock, e->from);
            const lg_flock *y = &g_array_index(f->locks, lg_flock, e->to);
            node_id(na, sizeof na, x->proc, x->lock->id);
            node_id(nb, sizeof nb, y->proc, y->lock->id);
            fprintf(out, "  %s -> %s [color=red, penwidth=2, label=\"cross-run\"];\n", na, nb);
        }
    }
    fprintf(out, "}\n");
    g_hash_table_destroy(marks);
}
