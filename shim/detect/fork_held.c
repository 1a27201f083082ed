/* Locks held at a fork by threads the child does not have (fork_held.h). */
#include "fork_held.h"
#include "arena.h"
#include "detector.h"
#include "graph.h"
#include "host.h"
#include "misuse.h"

struct fork_stack {
    uint32_t n;
    uintptr_t pcs[LG_MAX_DEPTH];
};

struct entry {
    struct lg_lockrec *lock;
    uint32_t holder;                /* the holder's thread serial */
    struct lg_held held;            /* copy of its held entry at the fork */
    const struct fork_stack *fork;  /* the fork that left it held */
};

static struct entry table[LG_FORK_HELD_MAX];
static uint32_t nentries;

static const struct fork_stack *capture_fork(void)
{
    struct fork_stack *s = lg_arena_alloc(sizeof *s);
    if (!s)
        return NULL;
    int depth = lg_cfg.stack_depth;
    if (depth < 1 || depth > LG_MAX_DEPTH)
        depth = LG_DEFAULT_STACK_DEPTH;
    int n = lg_plat_backtrace(s->pcs, depth);
    s->n = n > 0 ? (uint32_t)n : 0;
    return s;
}

void lg_fork_held_snapshot(struct lg_thread *self)
{
    uint32_t k = 0; /* keep the entries of an earlier fork still marked */
    for (uint32_t i = 0; i < nentries; i++)
        if (atomic_load_explicit(&table[i].lock->flags, memory_order_relaxed) & LG_LR_FORK_HELD)
            table[k++] = table[i];
    nentries = k;
    const struct fork_stack *fork = NULL;
    int captured = 0;
    for (struct lg_thread *o = lg_thread_first(); o; o = o->next_all) {
        if (o == self || !atomic_load(&o->alive))
            continue;
        uint32_t n = __atomic_load_n(&o->nheld, __ATOMIC_ACQUIRE);
        struct lg_held *h = __atomic_load_n(&o->held, __ATOMIC_ACQUIRE);
        for (uint32_t i = 0; i < n && nentries < LG_FORK_HELD_MAX; i++) {
            struct lg_lockrec *l = h[i].lock;
            /* an exclusive entry the records give to someone else is a phantom */
            if (!l || (h[i].mode != LG_MODE_READ &&
                       atomic_load_explicit(&l->owner, memory_order_relaxed) != o))
                continue;
            if (!captured) {
                fork = capture_fork();
                captured = 1;
            }
            table[nentries++] = (struct entry){l, o->serial, h[i], fork};
            atomic_fetch_or(&l->flags, LG_LR_FORK_HELD);
        }
    }
}

static const struct entry *entry_of(const struct lg_lockrec *l)
{
    for (uint32_t i = nentries; i-- > 0;)
        if (table[i].lock == l)
            return &table[i];
    return NULL;
}

void lg_fork_held_use(struct lg_thread *t, struct lg_lockrec *l, uint8_t mode, int blocks)
{
    const struct entry *e = entry_of(l);
    if (!e) { /* marked past the table (cannot happen) or by a lost race: forget it */
        atomic_fetch_and(&l->flags, (uint16_t)~LG_LR_FORK_HELD);
        return;
    }
    lg_misuse_verdict v;
    lg_misuse_fork_held(blocks, e->held.mode, mode, &v);
    if (!v.finding)
        return;
    if (!(atomic_fetch_and(&l->flags, (uint16_t)~LG_LR_FORK_HELD) & LG_LR_FORK_HELD))
        return; /* reported already (once per lock) */
    struct lg_guard g = lg_guard_enter(t);
    uint32_t use = lg_capture_stack();
    uint32_t fork = 0;
    lg_graph_lock();
    if (e->fork)
        fork = lg_stack_intern(e->fork->pcs, e->fork->n);
    lg_graph_unlock();
    struct lg_finding_item items[2] = {
        {.thread = t->serial, .lock = l, .stack = use, .other_stack = fork, .mode = mode},
        {.thread = e->holder, .lock = l, .stack = lg_held_stack_id(&e->held),
         .mode = e->held.mode},
    };
    struct lg_live_finding f = {.kind = v.finding, .flags = v.flags, .detail = v.detail,
                                .n = 2, .items = items};
    lg_report_finding(&f);
    lg_guard_leave(t, g);
}

uint32_t lg_fork_held_count(void) { return nentries; }
