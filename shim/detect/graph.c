#include "graph.h"
#include "arena.h"
#include "fork_log.h"
#include "id_dir.h"
#include "lock_table.h"
#include "order.h"
#include "host.h"
#include "seen.h"
#include "tool_lock.h"

#include <string.h>

static lg_tool_lock glock;
static struct lg_hmap stacks, chains;
static struct lg_seen reported; /* signatures of the cycles reported */
static struct lg_seen judged;   /* (cycle, its stored contexts) the rules judged */
static lg_id_dir stack_dir, chain_dir;
static uint32_t nstacks, nchains, nedges;

struct lg_stack {
    struct lg_hnode h;
    uint32_t id, n;
    uintptr_t pcs[];
};

/* A fork child's deferred log gets its history here, before the caller changes
 * anything or writes a record that could cite it (fork_log.h). */
void lg_graph_lock(void)
{
    lg_tool_lock_take(&glock);
    if (__builtin_expect(lg_fork_log_state != LG_FORK_LOG_WRITTEN, 0))
        lg_fork_log_write_history();
}
void lg_graph_lock_quiet(void) { lg_tool_lock_take(&glock); }
void lg_graph_unlock(void) { lg_tool_lock_give(&glock); }
uint32_t lg_graph_edge_count(void) { return nedges; }

void lg_graph_after_fork(void) { lg_tool_lock_reset(&glock); }

static uint64_t hash_words(uint64_t seed, const uintptr_t *w, uint32_t n)
{
    uint64_t h = seed ^ n;
    for (uint32_t i = 0; i < n; i++)
        h = lg_mix64(h ^ w[i]);
    return h;
}

uint32_t lg_stack_intern(const uintptr_t *pcs, uint32_t n)
{
    if (n == 0)
        return 0;
    uint64_t hash = hash_words(0x5354, pcs, n);
    for (struct lg_hnode *x = lg_hmap_bucket(&stacks, hash); x; x = x->next) {
        struct lg_stack *s = (struct lg_stack *)x;
        if (x->hash == hash && s->n == n && memcmp(s->pcs, pcs, n * sizeof *pcs) == 0)
            return s->id;
    }
    struct lg_stack *s = lg_arena_alloc(sizeof *s + n * sizeof *pcs);
    if (!s)
        return 0;
    s->h.hash = hash;
    s->id = nstacks + 1;
    s->n = n;
    memcpy(s->pcs, pcs, n * sizeof *pcs);
    if (lg_dir_set(&stack_dir, s->id, s) != 0 || lg_hmap_insert(&stacks, &s->h) != 0)
        return 0;
    nstacks++;
    lg_rec_stack(s->id, pcs, n);
    return s->id;
}

const uintptr_t *lg_stack_get(uint32_t id, uint32_t *n)
{
    struct lg_stack *s = id ? lg_dir_get(&stack_dir, id) : NULL;
    *n = s ? s->n : 0;
    return s ? s->pcs : NULL;
}

uint32_t lg_stack_or_site(uint32_t stack, uintptr_t pc)
{
    return stack ? stack : lg_stack_intern(&pc, 1);
}

struct lg_chain *lg_chain_get(uint32_t id) { return lg_dir_get(&chain_dir, id); }

struct lg_chain *lg_chain_intern(const struct lg_held *held, uint32_t n)
{
    uint64_t hash = 0x4348 ^ n;
    for (uint32_t i = 0; i < n; i++)
        hash = lg_mix64(hash ^ ((uint64_t)held[i].lock->id << 8 | held[i].mode));
    for (struct lg_hnode *x = lg_hmap_bucket(&chains, hash); x; x = x->next) {
        struct lg_chain *c = (struct lg_chain *)x;
        if (x->hash != hash || c->n != n)
            continue;
        uint32_t i = 0;
        while (i < n && c->locks[i].lock == held[i].lock->id && c->locks[i].mode == held[i].mode)
            i++;
        if (i == n)
            return c;
    }
    struct lg_chain *c = lg_arena_alloc(sizeof *c + n * sizeof(lg_held_lock));
    if (!c)
        return NULL;
    c->h.hash = hash;
    c->id = nchains + 1;
    c->n = n;
    for (uint32_t i = 0; i < n; i++) {
        c->locks[i].lock = held[i].lock->id;
        c->locks[i].mode = held[i].mode;
    }
    if (lg_dir_set(&chain_dir, c->id, c) != 0 || lg_hmap_insert(&chains, &c->h) != 0)
        return NULL;
    nchains++;
    lg_rec_chain(c);
    return c;
}

/* ---- edges and contexts --------------------------------------------------------
 * Edges live in a dense array indexed by id (chunks mapped on first use, never
 * moved: lockrec->out and next_out point into them), found by (from, to) through
 * an array of 4-byte bucket heads chained by edge id (hnext), at most two edges per
 * bucket on average (2-4 bytes per edge); the hash is recomputed, not stored.  An edge's first context
 * is inline; the others live in a dense array of contexts linked by index.  Under
 * the graph lock, like everything here. */

#define EDGE_CHUNK_BITS 14
#define EDGE_CHUNKS (1u << 16) /* 2^30 edges */
#define CTX_CHUNK_BITS 14
#define CTX_CHUNKS (1u << 16)  /* 2^30 further contexts */

_Static_assert(sizeof(struct lg_edge) == 64, "an edge with its first context is 64 bytes");
_Static_assert(sizeof(struct lg_ctx) == 24, "a further context is 24 bytes");

static struct lg_edge *edge_chunk[EDGE_CHUNKS];
static struct lg_ctx *ctx_chunk[CTX_CHUNKS];
static uint32_t nctxs; /* further contexts stored (index 0 is "none") */
static uint32_t *ebucket;
static size_t emask;

static struct lg_edge *edge_at(uint32_t id)
{
    uint32_t c = id >> EDGE_CHUNK_BITS;
    return c < EDGE_CHUNKS && edge_chunk[c] ? &edge_chunk[c][id & ((1u << EDGE_CHUNK_BITS) - 1)]
                                            : NULL;
}

static struct lg_ctx *ctx_at(uint32_t i)
{
    uint32_t c = i >> CTX_CHUNK_BITS;
    return c < CTX_CHUNKS && ctx_chunk[c] ? &ctx_chunk[c][i & ((1u << CTX_CHUNK_BITS) - 1)] : NULL;
}

/* A fresh zeroed slot of a chunked array (chunk `c` mapped now if needed). */
static void *chunk_slot(void **chunk, uint32_t nchunks, uint32_t bits, size_t size, uint32_t i)
{
    uint32_t c = i >> bits;
    if (c >= nchunks)
        return NULL;
    if (!chunk[c] && !(chunk[c] = lg_map(size << bits)))
        return NULL;
    return (unsigned char *)chunk[c] + (i & ((1u << bits) - 1)) * size;
}

static inline const struct lg_ctx *ctx_first(const struct lg_edge *e)
{
    return e->nctx ? &e->ctx0 : NULL;
}

static inline const struct lg_ctx *ctx_next(const struct lg_ctx *c)
{
    return c->next ? ctx_at(c->next) : NULL;
}

static uint64_t edge_hash(const struct lg_lockrec *a, const struct lg_lockrec *b)
{
    return lg_mix64(((uint64_t)a->id << 32) ^ b->id ^ 0x45000000000000ull);
}

/* Doubles the bucket array (the old one is given back). */
static int edge_map_grow(void)
{
    size_t n = ebucket ? (emask + 1) * 2 : 1024;
    uint32_t *nb = lg_map(n * sizeof *nb);
    if (!nb)
        return -1;
    for (uint32_t id = 1; id <= nedges; id++) {
        struct lg_edge *e = edge_at(id);
        size_t b = edge_hash(e->from, e->to) & (n - 1);
        e->hnext = nb[b];
        nb[b] = id;
    }
    if (ebucket)
        lg_discard(ebucket, (emask + 1) * sizeof *nb);
    ebucket = nb;
    emask = n - 1;
    return 0;
}

static struct lg_edge *edge_get(struct lg_lockrec *from, struct lg_lockrec *to, int *made)
{
    uint64_t hash = edge_hash(from, to);
    *made = 0;
    for (uint32_t id = ebucket ? ebucket[hash & emask] : 0; id; id = edge_at(id)->hnext) {
        struct lg_edge *e = edge_at(id);
        if (e->from == from && e->to == to)
            return e;
    }
    if ((!ebucket || nedges >= 2 * (emask + 1)) && edge_map_grow() != 0 && !ebucket)
        return NULL;
    struct lg_edge *e = chunk_slot((void **)edge_chunk, EDGE_CHUNKS, EDGE_CHUNK_BITS,
                                   sizeof *e, nedges + 1);
    if (!e)
        return NULL;
    e->from = from;
    e->to = to;
    e->id = nedges + 1;
    e->hnext = ebucket[hash & emask];
    ebucket[hash & emask] = e->id;
    nedges++;
    e->next_out = from->out;
    from->out = e;
    *made = 1;
    return e;
}

/* Room for e's next context: ctx0, or a new one linked after its last.  NULL
 * without memory. */
static struct lg_ctx *ctx_append(struct lg_edge *e)
{
    if (!e->nctx)
        return &e->ctx0;
    struct lg_ctx *c = chunk_slot((void **)ctx_chunk, CTX_CHUNKS, CTX_CHUNK_BITS, sizeof *c,
                                  nctxs + 1);
    if (!c)
        return NULL;
    nctxs++;
    struct lg_ctx *last = e->ctx_tail ? ctx_at(e->ctx_tail) : &e->ctx0;
    last->next = nctxs;
    e->ctx_tail = nctxs;
    return c;
}

/* ---- cycle search ------------------------------------------------------------
 * Only edges with a blocking context (not only ever taken by trylock) can lie on a
 * cycle the rules report (cycle_rules.h, rule 1), so only they enter the order
 * (order.h).  An edge whose ends are in different components lies on no cycle and
 * costs nothing more; one inside a component lies on some cycle, and the cycles it
 * closes are the simple paths T ~> F inside that component, enumerated under the
 * step budget. */

static struct lg_order order;

/* "on the current path" is a flag bit: other threads update the same flags word
 * (atomically) outside the graph lock */
static inline int onpath(const struct lg_lockrec *l)
{
    return (atomic_load_explicit(&l->flags, memory_order_relaxed) & LG_LR_ONPATH) != 0;
}

static inline void set_onpath(struct lg_lockrec *l, int on)
{
    if (on)
        atomic_fetch_or_explicit(&l->flags, LG_LR_ONPATH, memory_order_relaxed);
    else
        atomic_fetch_and_explicit(&l->flags, (uint16_t)~LG_LR_ONPATH, memory_order_relaxed);
}

struct scratch {
    void *p;
    size_t cap;
};
static struct scratch sc_path, sc_rules;

static void *scratch(struct scratch *s, size_t need)
{
    if (need <= s->cap)
        return s->p;
    size_t cap = s->cap ? s->cap : 65536;
    while (cap < need)
        cap *= 2;
    void *p = lg_map(cap);
    if (!p)
        return NULL;
    if (s->p) {
        memcpy(p, s->p, s->cap);
        lg_discard(s->p, s->cap);
    }
    s->p = p;
    s->cap = cap;
    return p;
}

struct frame {
    struct lg_lockrec *lock;
    struct lg_edge *it;   /* next out-edge to try */
    struct lg_edge *via;  /* edge chosen from this lock on the current path */
};

static uint64_t cycle_signature(struct frame *path, uint32_t n)
{
    uint32_t min = 0;
    for (uint32_t i = 1; i < n; i++)
        if (path[i].lock->id < path[min].lock->id)
            min = i;
    uint64_t h = 0x4359 ^ n;
    for (uint32_t i = 0; i < n; i++)
        h = lg_mix64(h ^ path[(min + i) % n].lock->id);
    return h;
}

/* path[0..n): path[i].lock is lock i of the cycle, path[i].via its edge to lock i+1. */
static void evaluate(struct frame *path, uint32_t n, struct lg_pending *out)
{
    uint64_t sig = cycle_signature(path, n);
    if (lg_seen_has(&reported, sig))
        return;
    size_t nctx = 0;
    for (uint32_t i = 0; i < n; i++)
        nctx += path[i].via->nctx < LG_MAX_CTX ? path[i].via->nctx : LG_MAX_CTX;
    /* Settled once: contexts are only ever appended, so (cycle, number of stored
     * contexts on its edges) names exactly the input of the rules.  A cycle they
     * filtered is judged again only when one of its edges has a context more. */
    if (!lg_seen_add(&judged, lg_mix64(sig ^ (uint64_t)nctx * 0x9E3779B97F4A7C15ull)))
        return;
    size_t need = n * (sizeof(lg_rule_lock) + sizeof(lg_rule_edge) + sizeof(uint32_t)) +
                  nctx * sizeof(lg_rule_ctx) + lg_rules_scratch_size(n) + 64;
    unsigned char *mem = scratch(&sc_rules, need);
    if (!mem)
        return;
    lg_rule_ctx *rc = (lg_rule_ctx *)mem;
    lg_rule_edge *re = (lg_rule_edge *)(rc + nctx);
    lg_rule_lock *rl = (lg_rule_lock *)(re + n);
    uint32_t *chosen = (uint32_t *)(rl + n);
    void *rs = chosen + n;
    size_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        rl[i] = (lg_rule_lock){path[i].lock->id, path[i].lock->kind, path[i].lock->subkind};
        re[i].ctx = rc + k;
        re[i].nctx = 0;
        for (const struct lg_ctx *c = ctx_first(path[i].via); c && re[i].nctx < LG_MAX_CTX;
             c = ctx_next(c)) {
            struct lg_chain *ch = lg_chain_get(c->chain);
            rc[k++] = (lg_rule_ctx){c->thread, c->from_mode, c->to_mode, c->flags,
                                    ch ? ch->locks : NULL, ch ? ch->n : 0};
            re[i].nctx++;
        }
    }
    lg_rule_result res;
    lg_rules_evaluate(rl, re, n, rs, chosen, LG_RULES_BUDGET, &res);
    if (res.verdict != LG_VERDICT_DEADLOCK)
        return;
    lg_seen_add(&reported, sig);
    struct lg_live_finding *f = lg_arena_alloc(sizeof *f + n * sizeof(struct lg_finding_item));
    if (!f)
        return;
    f->items = (struct lg_finding_item *)(f + 1);
    f->kind = LG_FIND_LOCK_ORDER_INVERSION;
    f->flags = (uint16_t)res.flags;
    f->n = n;
    for (uint32_t i = 0; i < n; i++) {
        const struct lg_ctx *c = ctx_first(path[i].via);
        for (uint32_t j = 0; j < chosen[i] && c; j++)
            c = ctx_next(c);
        if (!c)
            c = ctx_first(path[i].via);
        f->items[i] = (struct lg_finding_item){
            .thread = c->thread, .lock = path[i].lock, .other = path[(i + 1) % n].lock,
            .stack = c->stack, .other_stack = c->held_stack,
            .mode = (uint8_t)(c->to_mode | c->from_mode << 4),
            .stack_first = (c->flags & LG_CTXF_STACK_FIRST) != 0};
    }
    lg_rec_finding(f, lg_plat_now());
    f->next = NULL;
    *out->tail = f;
    out->tail = &f->next;
}

/* An edge is in the search graph once it has a blocking context. */
static int blocking(const struct lg_edge *e) { return lg_order_has(&order, e->id); }

/* The cycles through e = F -> T: simple paths T ~> F over blocking edges, inside
 * F's component (every lock on such a cycle is in it, and every lock of it reaches
 * F), so the walk never leaves the strongly connected part of the graph that e is
 * in.  exact: the order knows the component (else, without memory for the order,
 * the walk is not confined and only the budget bounds it). */
static void check_cycles(struct lg_edge *e, int exact, struct lg_pending *out)
{
    uint64_t steps = 0;
    struct frame *p = scratch(&sc_path, 64 * sizeof *p);
    if (!p)
        return;
    uint32_t depth = 1, found = 0;
    p[0] = (struct frame){e->from, NULL, e};
    p[1] = (struct frame){e->to, e->to->out, NULL};
    set_onpath(e->from, 1);
    set_onpath(e->to, 1);
    while (depth >= 1) {
        if (++steps > LG_CYCLE_STEP_BUDGET || found >= LG_CYCLE_MAX_PER_EVENT) {
            lg_loss_count(LG_LOSS_SEARCHES_CUT);
            break;
        }
        struct frame *f = &p[depth];
        struct lg_edge *ed = f->it;
        if (!ed) {
            set_onpath(f->lock, 0);
            depth--;
            continue;
        }
        f->it = ed->next_out;
        if (!blocking(ed))
            continue;
        struct lg_lockrec *n = ed->to;
        if (n == e->from) {
            f->via = ed;
            evaluate(p, depth + 1, out);
            found++;
            continue;
        }
        if (onpath(n) || (exact && !lg_order_same(&order, n->id, e->from->id)))
            continue;
        f->via = ed;
        p = scratch(&sc_path, (depth + 2) * sizeof *p);
        if (!p)
            break;
        f = &p[depth];
        p[++depth] = (struct frame){n, n->out, NULL};
        set_onpath(n, 1);
    }
    for (uint32_t i = 0; i <= depth && depth != (uint32_t)-1; i++)
        set_onpath(p[i].lock, 0);
    set_onpath(e->from, 0);
}

/* A blocking context was added to e: put e in the order if it is new there, and
 * search for the cycles it closes if it lies on one. */
static void blocking_context(struct lg_edge *e, struct lg_pending *out)
{
    int on_cycle;
    if (blocking(e)) {
        on_cycle = lg_order_same(&order, e->from->id, e->to->id);
    } else {
        on_cycle = lg_order_add(&order, e->id, e->from->id, e->to->id);
        if (on_cycle < 0) { /* no memory for the order: the budget alone bounds it */
            lg_loss_count(LG_LOSS_SEARCHES_CUT);
            check_cycles(e, 0, out);
            return;
        }
    }
    if (on_cycle)
        check_cycles(e, 1, out);
}

#define CHAIN_SHARED UINT32_MAX

int lg_graph_acquire(struct lg_thread *t, const struct lg_held *held, uint32_t n,
                      struct lg_chain *chain, struct lg_lockrec *to, uint8_t to_mode,
                      uint16_t flags, uint32_t stack, struct lg_pending *out)
{
    uint64_t now = lg_plat_now();
    /* A thread validates each chain key once (its chain set, and validated.h), and
     * the key names the chain, the lock, its mode and flags: a context that thread
     * already has on an edge can only come again when two keys name one chain,
     * i.e. when a held lock's own flags (trylock, timed: part of the key, not of
     * the chain) differ.  Only then are the edge's contexts searched for it (up to
     * LG_MAX_CTX of them: without this, hot edges made every new chain linear). */
    int may_repeat = 0, stored = 0;
    for (uint32_t i = 0; i < n; i++)
        may_repeat |= held[i].flags & 3u;
    for (uint32_t i = 0; i < n; i++) {
        const struct lg_held *h = &held[i];
        if (h->lock == to)
            continue;
        int made;
        struct lg_edge *e = edge_get(h->lock, to, &made);
        if (!e)
            return stored;
        if (made)
            lg_rec_edge(e, now);
        const struct lg_ctx *c = NULL;
        /* chain->used: the one thread whose contexts refer to the chain, or
         * CHAIN_SHARED; a chain this thread never used has none of its contexts */
        if (may_repeat && (chain->used == t->serial || chain->used == CHAIN_SHARED))
            for (c = ctx_first(e); c; c = ctx_next(c))
                if (c->thread == t->serial && c->chain == chain->id && c->from_mode == h->mode &&
                    c->to_mode == to_mode &&
                    (c->flags & ~LG_CTXF_STACK_FIRST) == (flags & ~LG_CTXF_STACK_FIRST))
                    break;
        if (c)
            continue;
        if (e->nctx >= LG_MAX_CTX) {
            e->nctx++;
            lg_loss_count(LG_LOSS_CONTEXTS_DROPPED);
            continue;
        }
        uint32_t held_stack = lg_stack_or_site(h->stack, h->pc);
        struct lg_ctx *nc = ctx_append(e);
        if (!nc)
            return stored;
        *nc = (struct lg_ctx){.thread = t->serial, .chain = chain->id, .from_mode = h->mode,
                              .to_mode = to_mode, .flags = flags, .stack = stack,
                              .held_stack = held_stack};
        e->nctx++;
        lg_rec_context(e, nc, now);
        stored++;
        chain->used = !chain->used || chain->used == t->serial ? t->serial : CHAIN_SHARED;
        if (!(flags & LG_CTXF_TRY))
            blocking_context(e, out);
    }
    return stored;
}

/* Fork child: re-emit every definition into the new log, in dependency order
 * (stacks before chains before edges before contexts). */
void lg_graph_replay_stacks(void)
{
    for (uint32_t id = 1; id <= nstacks; id++) {
        struct lg_stack *s = lg_dir_get(&stack_dir, id);
        if (s)
            lg_rec_stack(s->id, s->pcs, s->n);
    }
}

void lg_graph_replay_rest(void)
{
    for (uint32_t id = 1; id <= nchains; id++) {
        struct lg_chain *c = lg_chain_get(id);
        if (c)
            lg_rec_chain(c);
    }
    uint64_t now = lg_plat_now();
    for (uint32_t id = 1; id <= nedges; id++) {
        const struct lg_edge *e = edge_at(id);
        lg_rec_edge(e, now);
        for (const struct lg_ctx *c = ctx_first(e); c; c = ctx_next(c))
            lg_rec_context(e, c, now);
    }
}

/* ---- invariants (tests only) ------------------------------------------------- */

static struct lg_edge *edge_find(const struct lg_lockrec *from, const struct lg_lockrec *to,
                                 uint32_t *copies)
{
    struct lg_edge *found = NULL;
    *copies = 0;
    uint32_t steps = 0;
    for (uint32_t id = ebucket ? ebucket[edge_hash(from, to) & emask] : 0; id;
         id = edge_at(id)->hnext) {
        struct lg_edge *e = edge_at(id);
        if (++steps > nedges)
            return NULL; /* a loop in the bucket: copies says 0 */
        if (e->from == from && e->to == to) {
            found = e;
            ++*copies;
        }
    }
    return found;
}

static const char *check_contexts(const struct lg_edge *e)
{
    uint32_t n = 0;
    const struct lg_ctx *last = NULL;
    for (const struct lg_ctx *c = ctx_first(e); c; c = ctx_next(c)) {
        if (++n > LG_MAX_CTX)
            return "an edge stores more than LG_MAX_CTX contexts";
        if (!lg_chain_get(c->chain))
            return "a context refers to a chain that does not exist";
        if (c->stack > nstacks || c->held_stack > nstacks)
            return "a context refers to a stack that does not exist";
        last = c;
    }
    if (last != (e->ctx_tail ? ctx_at(e->ctx_tail) : ctx_first(e)))
        return "an edge's context tail is not its last context";
    if (e->nctx < LG_MAX_CTX ? n != e->nctx : n != LG_MAX_CTX)
        return "an edge's context count disagrees with its list";
    return NULL;
}

const char *lg_graph_check_invariants(void)
{
    /* every edge of every adjacency list: from its source, in the map once */
    uint32_t nlocks = lg_table_count(), listed = 0;
    for (uint32_t id = 1; id <= nlocks; id++) {
        struct lg_lockrec *l = lg_table_by_id(id);
        if (!l)
            continue;
        if (atomic_load_explicit(&l->flags, memory_order_relaxed) & LG_LR_ONPATH)
            return "a lock is still marked on a search path";
        for (const struct lg_edge *e = l->out; e; e = e->next_out) {
            if (++listed > nedges)
                return "adjacency lists hold more edges than were made";
            if (e->from != l)
                return "an edge sits in the adjacency list of a lock it does not leave";
            uint32_t copies;
            if (edge_find(e->from, e->to, &copies) != e || copies != 1)
                return "an edge is not in the edge map exactly once";
            const char *err = check_contexts(e);
            if (err)
                return err;
            int block = 0;
            for (const struct lg_ctx *c = ctx_first(e); c; c = ctx_next(c))
                block |= !(c->flags & LG_CTXF_TRY);
            if (block != blocking(e))
                return "an edge is in the order iff it has a blocking context: not so";
            if (block && !lg_order_same(&order, e->from->id, e->to->id) &&
                lg_order_label(&order, e->from->id) >= lg_order_label(&order, e->to->id))
                return "a blocking edge goes backwards in the topological order";
        }
    }
    if (listed != nedges)
        return "an edge is missing from its source's adjacency list";
    /* the map holds those edges and no others, each under its own hash and id */
    size_t mapped = 0;
    for (size_t i = 0; ebucket && i <= emask; i++)
        for (uint32_t id = ebucket[i]; id; id = edge_at(id)->hnext) {
            const struct lg_edge *e = edge_at(id);
            if (id < 1 || id > nedges || !e || e->id != id)
                return "an edge id is out of range";
            if ((edge_hash(e->from, e->to) & emask) != i)
                return "an edge is filed under the wrong hash";
            if (++mapped > nedges)
                return "the edge map holds more edges than were made";
        }
    if (mapped != nedges)
        return "the edge map's count disagrees with the edges made";
    for (uint32_t id = 1; id <= nstacks; id++)
        if (!lg_dir_get(&stack_dir, id))
            return "a stack id has no stack";
    for (uint32_t id = 1; id <= nchains; id++)
        if (!lg_chain_get(id))
            return "a chain id has no chain";
    return lg_order_check(&order);
}
