/* Graphviz DOT.  By default only the locks and edges of cycles: those of reported
 * findings (red), those the rules filtered (dashed), and cross-run edges between
 * processes; opts->graph_all draws every process's whole lock-order graph.  Each
 * lock is labelled with its id in its log (L<id>), so locks of one class that share
 * a name stay distinct, and a legend cluster says what the styles mean. */
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

/* Is lock id of p an end of a marked edge (a cycle's lock)? */
static gboolean in_cycle(GHashTable *nodes, const lg_process *p, uint64_t id)
{
    char key[64];
    g_snprintf(key, sizeof key, "%u:%" G_GUINT64_FORMAT, p->index, id);
    return g_hash_table_contains(nodes, key);
}

static void add_cycle_nodes(GHashTable *nodes, const lg_finding *f)
{
    for (guint i = 0; i < f->locks->len; i++) {
        const lg_flock *l = &g_array_index(f->locks, lg_flock, i);
        g_hash_table_add(nodes, g_strdup_printf("%u:%" G_GUINT64_FORMAT, l->proc->index,
                                                l->lock->id));
    }
}

static void legend(FILE *out)
{
    fprintf(out, "  subgraph cluster_legend {\n    label=\"legend\"; fontname=\"monospace\";\n"
                 "    node [shape=plaintext, label=\"\"];\n"
                 "    legend_a -> legend_b [color=red, penwidth=2, label=\"reported cycle\"];\n"
                 "    legend_c -> legend_d [style=dashed, label=\"filtered by the rules\"];\n"
                 "    legend_e -> legend_f [label=\"other lock order\"];\n  }\n");
}

void lg_format_dot(FILE *out, const lg_analysis *a, const lg_format_opts *o)
{
    gboolean all = o && o->graph_all;
    GHashTable *nodes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    GHashTable *marks = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (guint i = 0; i < a->findings->len; i++) {
        const lg_finding *f = g_ptr_array_index(a->findings, i);
        if (!f->suppressed && lg_finding_is_cycle(f)) {
            mark(marks, f, 1);
            add_cycle_nodes(nodes, f);
        }
    }
    for (guint i = 0; i < a->filtered->len; i++) {
        mark(marks, g_ptr_array_index(a->filtered, i), 2);
        add_cycle_nodes(nodes, g_ptr_array_index(a->filtered, i));
    }

    fprintf(out, "digraph lockgraph {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n"
                 "  edge [fontname=\"monospace\"];\n");
    legend(out);
    char na[64], nb[64];
    for (guint pi = 0; pi < a->procs->len; pi++) {
        const lg_process *p = g_ptr_array_index(a->procs, pi);
        gboolean any = all;
        for (guint i = 0; i < p->locks->len && !any; i++)
            any = in_cycle(nodes, p, ((const lg_lock *)g_ptr_array_index(p->locks, i))->id);
        if (!any)
            continue; /* a process with no cycle: nothing to draw */
        fprintf(out, "  subgraph cluster_%u {\n    label=", pi);
        char *lab = g_strdup_printf("pid %u %s", p->pid, p->exe);
        quoted(out, lab);
        g_free(lab);
        fprintf(out, ";\n");
        for (guint i = 0; i < p->locks->len; i++) {
            const lg_lock *l = g_ptr_array_index(p->locks, i);
            if (!all && !in_cycle(nodes, p, l->id))
                continue;
            node_id(na, sizeof na, p, l->id);
            char *name = lg_lock_label(p, l);
            char *label = g_strdup_printf("L%" G_GUINT64_FORMAT ": %s", l->id, name);
            g_free(name);
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
            if (!all && !m)
                continue;
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
    g_hash_table_destroy(nodes);
}
