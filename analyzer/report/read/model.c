#include "model.h"
#include "class_key.h"
#include "log_format.h"

#include <string.h>

void lg_module_free(lg_module *m)
{
    if (!m)
        return;
    g_free(m->path);
    g_free(m->build_id);
    g_free(m->build_id_hex);
    g_free(m->segs);
    g_free(m);
}

void lg_stack_free(lg_model_stack *s)
{
    if (!s)
        return;
    g_free(s->pcs);
    g_free(s);
}

void lg_thread_free(lg_model_thread *t)
{
    if (!t)
        return;
    g_free(t->name);
    g_free(t);
}

void lg_lock_free(lg_lock *l)
{
    if (!l)
        return;
    g_free(l->class_key);
    g_free(l);
}

void lg_chain_free(lg_model_chain *c)
{
    if (!c)
        return;
    g_free(c->held);
    g_free(c);
}

void lg_edge_free(lg_model_edge *e)
{
    if (!e)
        return;
    if (e->ctxs)
        g_array_free(e->ctxs, TRUE);
    g_free(e);
}

void lg_shim_finding_free(lg_shim_finding *f)
{
    if (!f)
        return;
    g_free(f->detail);
    g_free(f->items);
    g_free(f);
}

static void lg_untraced_free(lg_untraced *u)
{
    g_free(u->path);
    g_free(u);
}

lg_process *lg_process_new(const char *path, unsigned index)
{
    lg_process *p = g_new0(lg_process, 1);
    p->path = g_strdup(path);
    p->index = index;
    p->run_id = g_strdup("");
    p->exe = g_strdup("");
    p->cmdline = g_strdup("");
    p->modules = g_ptr_array_new_with_free_func((GDestroyNotify)lg_module_free);
    p->module_ids = g_hash_table_new(g_int_hash, g_int_equal);
    p->stacks = g_hash_table_new_full(g_int_hash, g_int_equal, NULL,
                                      (GDestroyNotify)lg_stack_free);
    p->threads = g_ptr_array_new_with_free_func((GDestroyNotify)lg_thread_free);
    p->thread_ids = g_hash_table_new(g_int_hash, g_int_equal);
    p->locks = g_ptr_array_new_with_free_func((GDestroyNotify)lg_lock_free);
    p->lock_ids = g_hash_table_new(g_int64_hash, g_int64_equal);
    p->chains = g_hash_table_new_full(g_int_hash, g_int_equal, NULL,
                                      (GDestroyNotify)lg_chain_free);
    p->edges = g_ptr_array_new_with_free_func((GDestroyNotify)lg_edge_free);
    p->edge_ids = g_hash_table_new(g_int_hash, g_int_equal);
    p->findings = g_ptr_array_new_with_free_func((GDestroyNotify)lg_shim_finding_free);
    p->stats = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, g_free);
    p->untraced = g_ptr_array_new_with_free_func((GDestroyNotify)lg_untraced_free);
    return p;
}

void lg_process_free(lg_process *p)
{
    if (!p)
        return;
    /* id tables borrow their values from the arrays: drop them first */
    g_hash_table_destroy(p->module_ids);
    g_hash_table_destroy(p->thread_ids);
    g_hash_table_destroy(p->lock_ids);
    g_hash_table_destroy(p->edge_ids);
    g_ptr_array_free(p->modules, TRUE);
    g_hash_table_destroy(p->stacks);
    g_ptr_array_free(p->threads, TRUE);
    g_ptr_array_free(p->locks, TRUE);
    g_hash_table_destroy(p->chains);
    g_ptr_array_free(p->edges, TRUE);
    g_ptr_array_free(p->findings, TRUE);
    g_hash_table_destroy(p->stats);
    g_ptr_array_free(p->untraced, TRUE);
    g_free(p->path);
    g_free(p->run_id);
    g_free(p->exe);
    g_free(p->cmdline);
    g_free(p);
}

const lg_module *lg_process_module(const lg_process *p, uint32_t id)
{
    return g_hash_table_lookup(p->module_ids, &id);
}

const lg_model_stack *lg_process_stack(const lg_process *p, uint32_t id)
{
    return g_hash_table_lookup(p->stacks, &id);
}

const lg_model_thread *lg_process_thread(const lg_process *p, uint32_t serial)
{
    return g_hash_table_lookup(p->thread_ids, &serial);
}

const lg_lock *lg_process_lock(const lg_process *p, uint64_t id)
{
    return g_hash_table_lookup(p->lock_ids, &id);
}

const lg_model_chain *lg_process_chain(const lg_process *p, uint32_t id)
{
    return g_hash_table_lookup(p->chains, &id);
}

static gboolean module_covers(const lg_module *m, uint64_t pc)
{
    if (pc < m->base)
        return FALSE;
    uint64_t rel = pc - m->base;
    for (uint32_t i = 0; i < m->nseg; i++)
        if (rel >= m->segs[i].vaddr && rel - m->segs[i].vaddr < m->segs[i].memsz)
            return TRUE;
    return FALSE;
}

const lg_module *lg_process_module_at(const lg_process *p, uint64_t pc, uint64_t ts)
{
    const lg_module *any = NULL;
    /* Latest load wins: after dlclose+dlopen the same range may hold another module. */
    for (guint i = p->modules->len; i-- > 0;) {
        const lg_module *m = g_ptr_array_index(p->modules, i);
        if (!module_covers(m, pc))
            continue;
        if (m->load_ts <= ts && ts < m->unload_ts)
            return m;
        if (!any)
            any = m;
    }
    return any;
}

static gboolean fail(char **why, char *msg)
{
    *why = msg;
    return FALSE;
}

gboolean lg_process_add_module(lg_process *p, lg_module *m, char **why)
{
    if (m->id == 0 || g_hash_table_contains(p->module_ids, &m->id)) {
        char *msg = g_strdup_printf("expected a new module id, found %s id %u",
                                    m->id ? "duplicate" : "reserved", m->id);
        lg_module_free(m);
        return fail(why, msg);
    }
    m->unload_ts = UINT64_MAX;
    g_ptr_array_add(p->modules, m);
    g_hash_table_insert(p->module_ids, &m->id, m);
    return TRUE;
}

gboolean lg_process_unload_module(lg_process *p, uint32_t id, uint64_t ts, char **why)
{
    lg_module *m = g_hash_table_lookup(p->module_ids, &id);
    if (!m)
        return fail(why, g_strdup_printf("expected a defined module id, found %u", id));
    m->unload_ts = ts;
    return TRUE;
}

gboolean lg_process_add_stack(lg_process *p, lg_model_stack *s, char **why)
{
    if (s->id == 0 || g_hash_table_contains(p->stacks, &s->id)) {
        char *msg = g_strdup_printf("expected a new stack id, found %s id %u",
                                    s->id ? "duplicate" : "reserved", s->id);
        lg_stack_free(s);
        return fail(why, msg);
    }
    g_hash_table_insert(p->stacks, &s->id, s);
    return TRUE;
}

/* id 0 is "none"; anything else must have been defined earlier in the file. */
static gboolean stack_ok(const lg_process *p, uint32_t id, char **why)
{
    if (id == 0 || g_hash_table_contains(p->stacks, &id))
        return TRUE;
    return fail(why, g_strdup_printf("expected a defined stack id, found %u", id));
}

static gboolean thread_ok(const lg_process *p, uint32_t serial, char **why)
{
    if (g_hash_table_contains(p->thread_ids, &serial))
        return TRUE;
    return fail(why, g_strdup_printf("expected a defined thread serial, found %u", serial));
}

static gboolean lock_ok(const lg_process *p, uint64_t id, gboolean zero_ok, char **why)
{
    if ((zero_ok && id == 0) || g_hash_table_contains(p->lock_ids, &id))
        return TRUE;
    return fail(why, g_strdup_printf("expected a defined lock id, found %" G_GUINT64_FORMAT, id));
}

gboolean lg_process_add_thread(lg_process *p, lg_model_thread *t, char **why)
{
    char *msg = NULL;
    if (t->serial == 0 || g_hash_table_contains(p->thread_ids, &t->serial))
        msg = g_strdup_printf("expected a new thread serial, found %s serial %u",
                              t->serial ? "duplicate" : "reserved", t->serial);
    else if (t->creator != 0 && !g_hash_table_contains(p->thread_ids, &t->creator))
        msg = g_strdup_printf("expected a defined creator thread serial, found %u", t->creator);
    else
        stack_ok(p, t->create_stack, &msg);
    if (msg) {
        lg_thread_free(t);
        return fail(why, msg);
    }
    g_ptr_array_add(p->threads, t);
    g_hash_table_insert(p->thread_ids, &t->serial, t);
    return TRUE;
}

gboolean lg_process_exit_thread(lg_process *p, uint32_t serial, uint64_t ts, const char *name,
                                const uint64_t *held, uint32_t nheld, char **why)
{
    lg_model_thread *t = g_hash_table_lookup(p->thread_ids, &serial);
    if (!t)
        return fail(why, g_strdup_printf("expected a defined thread serial, found %u", serial));
    for (uint32_t i = 0; i < nheld; i++)
        if (!lock_ok(p, held[i], FALSE, why))
            return FALSE;
    t->exited = TRUE;
    t->exit_ts = ts;
    if (name && *name) {
        g_free(t->name);
        t->name = g_strdup(name); /* the thread may have renamed itself since it started */
    }
    return TRUE;
}

gboolean lg_process_add_lock(lg_process *p, lg_lock *l, char **why)
{
    char *msg = NULL;
    if (l->id == 0 || g_hash_table_contains(p->lock_ids, &l->id))
        msg = g_strdup_printf("expected a new lock id, found %s id %" G_GUINT64_FORMAT,
                              l->id ? "duplicate" : "reserved", l->id);
    else if (stack_ok(p, l->first_stack, &msg) && stack_ok(p, l->class_stack, &msg) &&
             l->class_module != 0 && !g_hash_table_contains(p->module_ids, &l->class_module))
        msg = g_strdup_printf("expected a defined class module id, found %u", l->class_module);
    if (msg) {
        lg_lock_free(l);
        return fail(why, msg);
    }
    l->class_key = lg_class_key(p, l);
    g_ptr_array_add(p->locks, l);
    g_hash_table_insert(p->lock_ids, &l->id, l);
    return TRUE;
}

gboolean lg_process_retire_lock(lg_process *p, uint64_t id, uint64_t ts, uint8_t reason,
                                char **why)
{
    (void)ts;
    lg_lock *l = g_hash_table_lookup(p->lock_ids, &id);
    if (!l)
        return fail(why, g_strdup_printf("expected a defined lock id, found %" G_GUINT64_FORMAT, id));
    l->retired = TRUE;
    l->retire_reason = reason;
    return TRUE;
}

gboolean lg_process_add_edge(lg_process *p, lg_model_edge *e, char **why)
{
    char *msg = NULL;
    if (e->id == 0 || g_hash_table_contains(p->edge_ids, &e->id))
        msg = g_strdup_printf("expected a new edge id, found %s id %u",
                              e->id ? "duplicate" : "reserved", e->id);
    else if (lock_ok(p, e->from, FALSE, &msg))
        lock_ok(p, e->to, FALSE, &msg);
    if (msg) {
        lg_edge_free(e);
        return fail(why, msg);
    }
    e->ctxs = g_array_new(FALSE, TRUE, sizeof(lg_context));
    g_ptr_array_add(p->edges, e);
    g_hash_table_insert(p->edge_ids, &e->id, e);
    return TRUE;
}

gboolean lg_process_add_chain(lg_process *p, lg_model_chain *c, char **why)
{
    char *msg = NULL;
    if (c->id == 0 || g_hash_table_contains(p->chains, &c->id))
        msg = g_strdup_printf("expected a new chain id, found %s id %u",
                              c->id ? "duplicate" : "reserved", c->id);
    for (uint32_t i = 0; !msg && i < c->n; i++)
        lock_ok(p, c->held[i].lock, FALSE, &msg);
    if (msg) {
        lg_chain_free(c);
        return fail(why, msg);
    }
    g_hash_table_insert(p->chains, &c->id, c);
    return TRUE;
}

gboolean lg_process_add_context(lg_process *p, uint32_t edge_id, const lg_context *c,
                                char **why)
{
    lg_model_edge *e = g_hash_table_lookup(p->edge_ids, &edge_id);
    if (!e)
        return fail(why, g_strdup_printf("expected a defined edge id, found %u", edge_id));
    if (!thread_ok(p, c->thread, why) || !stack_ok(p, c->stack, why) ||
        !stack_ok(p, c->held_stack, why))
        return FALSE;
    if (c->chain != 0 && !g_hash_table_contains(p->chains, &c->chain))
        return fail(why, g_strdup_printf("expected a defined chain id, found %u", c->chain));
    g_array_append_val(e->ctxs, *c);
    return TRUE;
}

gboolean lg_process_add_finding(lg_process *p, lg_shim_finding *f, char **why)
{
    char *msg = NULL;
    if (f->kind == 0 || f->kind > LG_FIND_KIND_MAX)
        msg = g_strdup_printf("expected a finding kind 1..%d, found %u", LG_FIND_KIND_MAX, f->kind);
    for (uint32_t i = 0; !msg && i < f->n; i++) {
        const lg_item *it = &f->items[i];
        if (it->thread != 0 && !g_hash_table_contains(p->thread_ids, &it->thread))
            msg = g_strdup_printf("expected a defined thread serial, found %u", it->thread);
        else if (lock_ok(p, it->lock, TRUE, &msg) && lock_ok(p, it->other_lock, TRUE, &msg) &&
                 stack_ok(p, it->stack, &msg))
            stack_ok(p, it->other_stack, &msg);
    }
    if (msg) {
        lg_shim_finding_free(f);
        return fail(why, msg);
    }
    g_ptr_array_add(p->findings, f);
    return TRUE;
}

gboolean lg_process_add_waits(lg_process *p, const lg_log_waits *w, char **why)
{
    lg_shim_finding *f = p->findings->len ? g_ptr_array_index(p->findings, p->findings->len - 1)
                                          : NULL;
    if (!f || f->kind != LG_FIND_DEADLOCK || f->n != w->n || f->items[0].has_wait)
        return fail(why, g_strdup_printf("expected WAITS right after a deadlock FINDING with "
                                         "as many items (%u), found %u items",
                                         f && f->kind == LG_FIND_DEADLOCK ? f->n : 0, w->n));
    for (uint32_t i = 0; i < w->n; i++) {
        lg_log_wait y = lg_log_waits_item(w, i);
        if (y.thread_serial != f->items[i].thread)
            return fail(why, g_strdup_printf("expected WAITS item %u for thread %u (the "
                                             "deadlock's item), found thread %u",
                                             i, f->items[i].thread, y.thread_serial));
    }
    for (uint32_t i = 0; i < w->n; i++) {
        lg_log_wait y = lg_log_waits_item(w, i);
        f->items[i].has_wait = 1;
        f->items[i].wait_flags = y.flags;
        f->items[i].waited_ns = y.waited_ns;
        f->items[i].held_ns = y.held_ns;
    }
    return TRUE;
}

gboolean lg_process_add_stats(lg_process *p, const lg_lock_stats *s, uint32_t n, char **why)
{
    for (uint32_t i = 0; i < n; i++)
        if (!lock_ok(p, s[i].lock, FALSE, why))
            return FALSE;
    for (uint32_t i = 0; i < n; i++) {
        lg_lock_stats *old = g_hash_table_lookup(p->stats, &s[i].lock);
        if (old && old->ts > s[i].ts)
            continue; /* snapshots are cumulative: the latest one is the truth */
        lg_lock_stats *c = g_memdup2(&s[i], sizeof *c);
        g_hash_table_replace(p->stats, &c->lock, c);
    }
    return TRUE;
}
