/* `lockgraph dump LOG...`: the contents of logs, one line per item, in the order
 * the log defined them.  For looking inside a log (what did the shim see?) and for
 * tests that check which hooks fired.  The log is read and validated by the same
 * reader as `lockgraph report`; the output is plain text meant for grep, stable in
 * the fields it prints but not a documented interchange format (use the JSON
 * report for that). */
#include "log_format.h"
#include "log_reader.h"
#include "names.h"
#include "commands.h"

#include <stdio.h>
#include <string.h>

static void flags_ctx(GString *s, uint16_t f)
{
    g_string_append(s, (f & LG_CTXF_TRY) ? " try" : "");
    g_string_append(s, (f & LG_CTXF_TIMED) ? " timed" : "");
}

static const char *end_name(const lg_process *p)
{
    return p->has_end ? lg_end_reason_name(p->end_reason) : "none";
}

static void dump(FILE *out, const lg_process *p)
{
    fprintf(out, "process pid=%u ppid=%u exe=%s run=%s end=%s truncated=%d forked=%d\n",
            p->pid, p->ppid, p->exe ? p->exe : "", p->run_id ? p->run_id : "", end_name(p),
            p->truncated ? 1 : 0, (p->hflags & LG_HDRF_FORKED) ? 1 : 0);
    for (guint i = 0; i < p->modules->len; i++) {
        const lg_module *m = g_ptr_array_index(p->modules, i);
        fprintf(out, "module id=%u base=0x%" G_GINT64_MODIFIER "x build_id=%s path=%s\n", m->id,
                m->base, m->build_id_hex, m->path);
    }
    for (guint i = 0; i < p->threads->len; i++) {
        const lg_model_thread *t = g_ptr_array_index(p->threads, i);
        fprintf(out, "thread serial=%u tid=%u creator=%u exited=%d name=%s\n", t->serial, t->tid,
                t->creator, t->exited ? 1 : 0, t->name ? t->name : "");
    }
    for (guint i = 0; i < p->locks->len; i++) {
        const lg_lock *l = g_ptr_array_index(p->locks, i);
        fprintf(out, "lock id=%" G_GINT64_MODIFIER "u addr=0x%" G_GINT64_MODIFIER
                     "x gen=%u kind=%s subkind=%s class=%s retired=%u\n",
                l->id, l->addr, l->generation, lg_lock_kind_name(l->kind),
                lg_subkind_name(l->subkind), l->class_key ? l->class_key : "",
                l->retired ? l->retire_reason : 0);
    }
    for (guint i = 0; i < p->edges->len; i++) {
        const lg_model_edge *e = g_ptr_array_index(p->edges, i);
        for (guint k = 0; k < e->ctxs->len; k++) {
            const lg_context *c = &g_array_index(e->ctxs, lg_context, k);
            GString *s = g_string_new(NULL);
            flags_ctx(s, c->flags);
            fprintf(out, "edge id=%u from=%" G_GINT64_MODIFIER "u to=%" G_GINT64_MODIFIER
                         "u thread=%u held=%s acquired=%s%s\n",
                    e->id, e->from, e->to, c->thread, lg_mode_name(c->from_mode),
                    lg_mode_name(c->to_mode), s->str);
            g_string_free(s, TRUE);
        }
    }
    for (guint i = 0; i < p->findings->len; i++) {
        const lg_shim_finding *f = g_ptr_array_index(p->findings, i);
        fprintf(out, "finding kind=%s flags=0x%x value=%" G_GINT64_MODIFIER "u items=%u detail=%s\n",
                lg_finding_kind_name(f->kind), f->flags, f->value, f->n,
                f->detail ? f->detail : "");
    }
    GHashTableIter it;
    gpointer key, val;
    g_hash_table_iter_init(&it, p->stats);
    while (g_hash_table_iter_next(&it, &key, &val)) {
        const lg_lock_stats *st = val;
        fprintf(out, "stats lock=%" G_GINT64_MODIFIER "u acquisitions=%" G_GINT64_MODIFIER
                     "u contended=%" G_GINT64_MODIFIER "u\n",
                st->lock, st->acquisitions, st->contended);
    }
}

/* `lockgraph dump --names`: the name lists of names.h as `<list> <value> <name>`
 * lines, so scripts (the Python test drivers) take kinds and flags from the binary
 * instead of copying them. */
static void name_row(const char *list, unsigned value, const char *name, void *out)
{
    fprintf(out, "%s %u %s\n", list, value, name);
}

int lg_dump_main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fprintf(argc < 2 ? stderr : stdout, "usage: lockgraph dump LOG...\n"
                                            "       lockgraph dump --names\n"
                                            "Prints what each log holds, one line per item;\n"
                                            "--names: the names of kinds, flags and reasons.\n");
        return argc < 2 ? 2 : 0;
    }
    if (argc == 2 && strcmp(argv[1], "--names") == 0) {
        lg_names_each(name_row, stdout);
        return 0;
    }
    int status = 0;
    for (int i = 1; i < argc; i++) {
        lg_process *p = NULL;
        char *msg = NULL;
        lg_read_status r = lg_log_read_file(argv[i], (unsigned)i - 1, &p, &msg);
        if (msg)
            fprintf(stderr, "%s\n", msg);
        g_free(msg);
        if (r == LG_READ_ERROR) {
            status = 2;
            continue;
        }
        dump(stdout, p);
        lg_process_free(p);
    }
    return status;
}
