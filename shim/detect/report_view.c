#include "stack_cut.h"
#include "report_view.h"
#include "arena.h"
#include "detector.h"
#include "graph.h"
#include "host.h"

#include <string.h>

_Static_assert(LG_NAME_MAX == sizeof(((struct lg_report_thread *)0)->name),
               "a thread's name and its report view differ in size");

static __thread struct lg_report_item *items __attribute__((tls_model("initial-exec")));
static __thread uint32_t items_cap __attribute__((tls_model("initial-exec")));

static struct lg_report_item *item_buffer(uint32_t n)
{
    if (n <= items_cap)
        return items;
    uint32_t cap = items_cap ? items_cap : 64;
    while (cap < n)
        cap *= 2;
    struct lg_report_item *b = lg_map((size_t)cap * sizeof *b);
    if (!b)
        return NULL;
    if (items)
        lg_discard(items, (size_t)items_cap * sizeof *items);
    items = b;
    items_cap = cap;
    return b;
}

static void view_stack(struct lg_report_stack *v, uint32_t id, uintptr_t site)
{
    v->id = id;
    v->pcs = lg_stack_get(id, &v->n);
    v->site = site;
    v->cut = (uint8_t)lg_stack_is_cut(id);
    v->first_seen = 0;
}

static void view_lock(struct lg_report_lock *v, const struct lg_lockrec *l)
{
    memset(v, 0, sizeof *v);
    if (!l)
        return;
    v->id = l->id;
    v->kind = l->kind;
    v->addr = l->addr;
    view_stack(&v->first_use, l->first_stack, 0);
}

static void view_thread(struct lg_report_thread *v, uint32_t serial)
{
    memset(v, 0, sizeof *v);
    v->serial = serial;
    char name[LG_NAME_MAX];
    if (!lg_thread_identity(serial, &v->tid, name))
        return;
    v->known = 1;
    _Static_assert(sizeof v->name >= LG_NAME_MAX, "a thread name fits the view");
    memcpy(v->name, name, LG_NAME_MAX);
}

void lg_report_live(const struct lg_live_finding *f)
{
    struct lg_report_item *it = item_buffer(f->n ? f->n : 1);
    if (!it)
        return;
    for (uint32_t i = 0; i < f->n; i++) {
        const struct lg_finding_item *s = &f->items[i];
        view_thread(&it[i].thread, s->thread);
        view_lock(&it[i].lock, s->lock);
        view_lock(&it[i].other, s->other);
        view_stack(&it[i].stack, s->stack, s->pc);
        it[i].stack.first_seen = s->stack_first;
        view_stack(&it[i].other_stack, s->other_stack, s->other_pc);
        it[i].mode = s->mode;
        it[i].wait_flags = s->wait_flags;
        it[i].waited_ns = s->waited_ns;
        it[i].held_ns = s->held_ns;
    }
    struct lg_report r = {.kind = f->kind, .flags = f->flags, .value = f->value,
                          .detail = f->detail, .n = f->n, .items = it};
    lg_plat_report(&r);
}
