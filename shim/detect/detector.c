#define _GNU_SOURCE
#include "detector.h"
#include "fork_held.h"
#include "arena.h"
#include "graph.h"
#include "hmap.h"
#include "lock_table.h"
#include "misuse.h"
#include "host.h"
#include "records.h"
#include "report_view.h"
#include "seen.h"
#include "serial_map.h"
#include "tool_lock.h"
#include "stack_cut.h"
#include "stack_depot.h"
#include "validated.h"

#include <errno.h>
#include <string.h>

struct lg_config lg_cfg = LG_CONFIG_DEFAULTS;
__thread struct lg_thread *lg_tls_self __attribute__((tls_model("initial-exec")));
_Atomic uint64_t lg_tick_ns;
_Atomic uint64_t lg_tick_step_ns;

static _Atomic(struct lg_thread *) all_threads;
static _Atomic uint32_t nthreads;
static struct lg_serial_map thread_map; /* under the graph lock, readers too */
static struct lg_thread exited_thread = {.in_shim = 1}; /* guard raised for good */
static void retire_own_stack_locks(struct lg_thread *t);
static int identity_locked(uint32_t serial, uint32_t *tid, char name[LG_NAME_MAX]);

/* Hold times come from the watchdog's tick (one load of a read-mostly line).  A
 * process with a single thread has no watchdog and reads no clock at all: its holds
 * are not timed (nobody can wait for them), and timing starts with the second
 * thread.  A hold that began before then has start 0 and is not timed either. */
static inline uint64_t coarse_now(void)
{
    return atomic_load_explicit(&lg_tick_ns, memory_order_relaxed);
}


/* ---- threads ----------------------------------------------------------------
 * Thread slots.  A thread's state is a slot of the registry; the slot of a thread
 * that ended holding nothing is reused by a later thread, so a process that starts
 * a thread per request keeps as many slots as it ever had threads at once (plus
 * those ended within the last watchdog tick).  A reused slot gets a new serial:
 * serials name threads in the log and are never reused.  What may still point at
 * an ended thread's slot:
 *  - lock owners: only locks it held, and a thread that ends holding a lock keeps
 *    its slot for good (the watchdog reports waiters on it as orphaned);
 *  - the watchdog's snapshot of a tick, and a reader walking the registry: both
 *    check `alive`; a slot freed while the watchdog is in a pass is reused only
 *    after that pass (lg_wd_pass is odd during one), so no pass ever sees two
 *    threads in one slot, and one freed between passes (nearly always: the
 *    watchdog sleeps) at once;
 *  - order-graph contexts and findings: by serial.  A thread a context names keeps a
 *    32-byte identity (serial, tid, creator, name): the fork child's log replays
 *    its THREAD record, and live reports print its name.  Other ended threads are
 *    in the log only.
 *
 * Threads by serial (thread_map, serial_map.h): an entry per thread that is live,
 * that ended holding locks (it keeps its slot), or that a context names (its
 * ghost); an ended thread that is none of these leaves no trace but its records in
 * the log.  So memory follows those threads, not the serials ever handed out: a
 * thread-per-request server keeps (threads alive at once) + (ghosts) entries, at
 * most 128 bytes each (serial_map.h), and lookups cost O(log entries).
 * Every access is under the graph lock: attach and detach change the map under it
 * anyway, and the readers are slow paths (a live report naming a thread, the fork
 * child's replay, tests).
 * Ghosts are bounded by the graph, not by the threads: a thread gets one only when
 * lg_graph_acquire stored a context naming it, i.e. added to the graph's contexts
 * (at most LG_MAX_CTX per edge, each of them kept for good); a thread that takes
 * the same nested locks as the threads before it adds no context (its chain is
 * validated, or the edge already has that context) and leaves no ghost.  A server
 * whose every request nests a lock of its own (a fresh heap lock per connection)
 * grows the graph by that lock, edge and context too; the ghost (48 bytes with its
 * map entry) is a fraction of that growth, which is the graph's (graph.h). */

struct lg_thread_ghost {
    uint32_t serial, tid, creator, create_stack;
    char name[LG_NAME_MAX];
};

/* thread_map holds a live slot, or a ghost pointer with its low bit set */
#define GHOST_TAG ((uintptr_t)1)

_Atomic uint64_t lg_wd_pass;
static lg_tool_lock slot_lock;                 /* the free lists below */
static struct lg_thread *free_head, *free_tail; /* oldest first */
static struct lg_spawn *free_spawns;

struct lg_thread *lg_thread_first(void) { return atomic_load(&all_threads); }

struct lg_thread *lg_thread_by_serial(uint32_t s)
{
    lg_graph_lock_quiet();
    void *p = lg_smap_get(&thread_map, s);
    lg_graph_unlock();
    return (uintptr_t)p & GHOST_TAG ? NULL : p;
}

void lg_thread_map_stats(uint32_t *entries, uint64_t *bytes)
{
    lg_graph_lock_quiet();
    *entries = thread_map.live;
    *bytes = lg_smap_bytes(&thread_map);
    lg_graph_unlock();
}

int lg_thread_identity(uint32_t serial, uint32_t *tid, char name[LG_NAME_MAX])
{
    lg_graph_lock_quiet();
    int found = identity_locked(serial, tid, name);
    lg_graph_unlock();
    return found;
}

static int identity_locked(uint32_t serial, uint32_t *tid, char name[LG_NAME_MAX])
{
    void *p = lg_smap_get(&thread_map, serial);
    if (!p)
        return 0;
    if ((uintptr_t)p & GHOST_TAG) {
        const struct lg_thread_ghost *g = (void *)((uintptr_t)p & ~GHOST_TAG);
        *tid = g->tid;
        memcpy(name, g->name, LG_NAME_MAX);
    } else {
        const struct lg_thread *t = p;
        *tid = t->tid;
        memcpy(name, t->name, LG_NAME_MAX); /* racy against a rename: a name either way */
    }
    name[LG_NAME_MAX - 1] = 0;
    return 1;
}

static struct lg_thread *slot_take(void)
{
    struct lg_thread *t = NULL;
    lg_tool_lock_take(&slot_lock);
    /* freed while the watchdog was between passes (even count): no pass can see
     * it; freed during one (odd): once that pass is over */
    if (free_head && (free_head->freed_pass + 1) / 2 * 2 <= atomic_load(&lg_wd_pass)) {
        t = free_head;
        free_head = t->next_free;
        if (!free_head)
            free_tail = NULL;
        t->next_free = NULL;
    }
    lg_tool_lock_give(&slot_lock);
    return t;
}

static void slot_give(struct lg_thread *t)
{
    t->freed_pass = atomic_load(&lg_wd_pass); /* after alive = 0 (both seq_cst) */
    lg_tool_lock_take(&slot_lock);
    if (free_tail)
        free_tail->next_free = t;
    else
        free_head = t;
    free_tail = t;
    lg_tool_lock_give(&slot_lock);
}

/* A reused slot as a fresh thread's: what stays is the registry link, the grown
 * held array and the watchdog's capture buffer (both may still be read racily),
 * and wait.seq, which keeps growing so that no stale wait matches. */
static void slot_reset(struct lg_thread *t)
{
    t->in_shim = 0;
    t->creator = t->create_stack = 0;
    t->pthread = 0;
    t->nheld = 0;
    t->chains = NULL;
    t->chain_mask = t->nchains = 0;
    t->in_graph = 0;
    atomic_store(&t->wait.lock, NULL);
    atomic_store(&t->wait.cond_mutex, NULL);
    atomic_store(&t->wait.joining, 0);
    t->wait.flags = 0;
    memset(t->name, 0, sizeof t->name);
    /* t->stack_locks is empty: retire_own_stack_locks emptied it at the end */
}

struct lg_spawn *lg_spawn_alloc(void)
{
    lg_tool_lock_take(&slot_lock);
    struct lg_spawn *s = free_spawns;
    if (s)
        free_spawns = *(struct lg_spawn **)s;
    lg_tool_lock_give(&slot_lock);
    if (s)
        memset(s, 0, sizeof *s);
    return s ? s : lg_arena_alloc(sizeof *s);
}

void lg_spawn_free(struct lg_spawn *s)
{
    if (!s)
        return;
    lg_tool_lock_take(&slot_lock);
    *(struct lg_spawn **)s = free_spawns;
    free_spawns = s;
    lg_tool_lock_give(&slot_lock);
}

struct lg_thread *lg_thread_attach(uint32_t creator, uint32_t create_stack)
{
    int err = errno; /* the allocation may set it (a futex wait, a failed mmap) */
    struct lg_thread *t = slot_take();
    int reused = t != NULL;
    if (reused)
        slot_reset(t);
    else
        t = lg_arena_alloc(sizeof *t);
    if (!t) {
        errno = err;
        return NULL;
    }
    struct lg_guard g = lg_guard_enter(t);
    g.err = err;
    lg_tls_self = t; /* before anything below can re-enter a hook */
    t->tid = lg_plat_gettid();
    t->creator = creator;
    t->create_stack = create_stack;
    if (!reused) {
        t->held = t->inline_held;
        t->cap = LG_HELD_INLINE;
    }
    lg_plat_thread_name(t->name, sizeof t->name);
    lg_plat_stack_bounds(&t->stack_lo, &t->stack_hi);
    lg_graph_lock();
    t->serial = atomic_fetch_add(&nthreads, 1) + 1;
    lg_smap_put(&thread_map, t->serial, t); /* without memory: reports say "unknown thread" */
    if (!reused) {
        t->next_all = atomic_load(&all_threads);
        atomic_store(&all_threads, t);
    }
    atomic_store(&t->alive, 1);
    lg_rec_thread(t, lg_plat_now());
    lg_graph_unlock();
    lg_guard_leave(t, g);
    return t;
}

void lg_thread_detach(struct lg_thread *t)
{
    (void)lg_guard_enter(t); /* never left: the thread ends */
    lg_plat_thread_name(t->name, sizeof t->name);
    lg_graph_lock();
    lg_rec_thread_exit(t, lg_plat_now());
    lg_graph_unlock();
    retire_own_stack_locks(t);
    /* What glibc still locks while tearing the thread down is not the program's
     * doing: from here on the thread's hooks forward untracked. */
    lg_tls_self = &exited_thread;
    if (t->nheld) {
        /* It keeps its slot and its held entries: the watchdog reports waiters on
         * them as orphaned. */
        atomic_store(&t->alive, 0);
        return;
    }
    struct lg_thread_ghost *ghost = NULL;
    if (t->in_graph && (ghost = lg_arena_alloc(sizeof *ghost)) != NULL)
        *ghost = (struct lg_thread_ghost){t->serial, t->tid, t->creator, t->create_stack, {0}};
    if (ghost)
        memcpy(ghost->name, t->name, sizeof ghost->name);
    if (t->chains)
        lg_unmap(t->chains, (size_t)(t->chain_mask + 1) * sizeof *t->chains);
    t->chains = NULL;
    lg_graph_lock();
    if (ghost)
        lg_smap_replace(&thread_map, t->serial, (void *)((uintptr_t)ghost | GHOST_TAG));
    else
        lg_smap_del(&thread_map, t->serial);
    atomic_store(&t->alive, 0);
    lg_graph_unlock();
    slot_give(t);
}

/* Lock instances reported exit-held-lock (misuse.h E1: once each), under the graph
 * lock.  A lock left held by an ended thread is normally never taken again; one
 * released by another thread (bad-unlock [not_owner]) and leaked again, or a read
 * lock leaked by many threads, is still reported once. */
static struct lg_seen exit_held_said;

void lg_thread_end(struct lg_thread *t, enum lg_thread_end_how how)
{
    struct lg_guard g = lg_guard_enter(t);
    for (uint32_t i = 0; i < t->nheld; i++) {
        struct lg_held *h = &t->held[i];
        lg_misuse_verdict v;
        int dead = (atomic_load_explicit(&h->lock->flags, memory_order_relaxed) & LG_LR_DEAD) != 0;
        int phantom = h->mode != LG_MODE_READ &&
                      atomic_load_explicit(&h->lock->owner, memory_order_relaxed) != t;
        lg_misuse_thread_end(how, phantom, dead, &v);
        if (!v.finding)
            continue;
        lg_graph_lock();
        int first = !v.once || lg_seen_add(&exit_held_said, h->lock->id);
        lg_graph_unlock();
        if (first) /* the acquisition's frames are gone by now: its call site at least */
            lg_report_lock_finding(t, v.finding, v.flags, h->lock, lg_held_stack_id(h), 0, how,
                                   v.detail);
    }
    lg_guard_leave(t, g);
    lg_thread_detach(t);
}

struct replay_args {
    uint64_t now;
    int exits;
};

/* The THREAD (and THREAD_EXIT) records of a thread_map entry for a fork child's
 * log (graph lock held): a slot's, or an ended thread's identity. */
static void replay_thread(uint32_t s, void *p, void *arg)
{
    (void)s;
    uint64_t now = ((const struct replay_args *)arg)->now;
    int exits = ((const struct replay_args *)arg)->exits;
    if (!((uintptr_t)p & GHOST_TAG)) {
        struct lg_thread *t = p;
        if (!exits)
            lg_rec_thread(t, now);
        else if (!atomic_load(&t->alive))
            lg_rec_thread_exit(t, now);
        return;
    }
    const struct lg_thread_ghost *g = (void *)((uintptr_t)p & ~GHOST_TAG);
    static struct lg_thread tmp; /* under the graph lock */
    tmp.serial = g->serial;
    tmp.tid = g->tid;
    tmp.creator = g->creator;
    tmp.create_stack = g->create_stack;
    tmp.nheld = 0;
    memcpy(tmp.name, g->name, sizeof tmp.name);
    if (!exits)
        lg_rec_thread(&tmp, now);
    else
        lg_rec_thread_exit(&tmp, now);
}

/* ---- per-thread chain set (validated chains) ---------------------------------- */

static void chain_add(struct lg_thread *t, uint64_t key)
{
    if (!t->chains || (t->nchains + 1) * 2 > t->chain_mask + 1) {
        uint32_t n = t->chains ? (t->chain_mask + 1) * 2 : 256;
        uint64_t *nc = lg_map((size_t)n * sizeof *nc);
        if (!nc)
            return; /* stays unvalidated: the slow path will run again, harmlessly */
        if (t->chains) {
            for (uint32_t i = 0; i <= t->chain_mask; i++) {
                uint64_t k = t->chains[i];
                if (!k)
                    continue;
                uint32_t j = (uint32_t)(k >> 32);
                while (nc[j & (n - 1)])
                    j++;
                nc[j & (n - 1)] = k;
            }
            lg_discard(t->chains, (size_t)(t->chain_mask + 1) * sizeof *nc);
        }
        t->chains = nc;
        t->chain_mask = n - 1;
    }
    uint32_t i = (uint32_t)(key >> 32);
    while (t->chains[i & t->chain_mask])
        i++;
    t->chains[i & t->chain_mask] = key;
    t->nchains++;
}

/* ---- held stack ------------------------------------------------------------- */

static int grow_held(struct lg_thread *t)
{
    uint32_t cap = t->cap * 4;
    struct lg_held *h = lg_map((size_t)cap * sizeof *h);
    if (!h)
        return -1;
    memcpy(h, t->held, t->nheld * sizeof *h);
    if (t->held != t->inline_held)
        lg_discard(t->held, t->cap * sizeof *h);
    /* publish after the copy: the watchdog may be reading */
    __atomic_store_n(&t->held, h, __ATOMIC_RELEASE);
    t->cap = cap;
    return 0;
}

static void rekey_from(struct lg_thread *t, uint32_t i)
{
    for (; i < t->nheld; i++)
        t->held[i].key = lg_chain_step(i ? t->held[i - 1].key : 0, t->held[i].lock,
                                    t->held[i].mode, t->held[i].flags & 3u);
}

static void remove_held(struct lg_thread *t, uint32_t i)
{
    memmove(&t->held[i], &t->held[i + 1], (t->nheld - i - 1) * sizeof t->held[0]);
    __atomic_store_n(&t->nheld, t->nheld - 1, __ATOMIC_RELEASE);
    rekey_from(t, i);
}

struct lg_held *lg_held_find(const struct lg_thread *t, const struct lg_lockrec *l)
{
    /* acquire loads: the watchdog reads other threads' stacks (grow_held publishes
     * a new array only after copying into it) */
    uint32_t n = __atomic_load_n(&t->nheld, __ATOMIC_ACQUIRE);
    struct lg_held *h = __atomic_load_n(&t->held, __ATOMIC_ACQUIRE);
    for (uint32_t i = n; i-- > 0;)
        if (h[i].lock == l)
            return &h[i];
    return NULL;
}

int lg_held_index(const struct lg_thread *t, const struct lg_lockrec *l)
{
    const struct lg_held *h = lg_held_find(t, l);
    return h ? (int)(h - t->held) : -1;
}

/* Entries for exclusive locks this thread no longer owns: another thread unlocked
 * them (glibc allows it for normal mutexes and spinlocks).  Dropped lazily here,
 * before they could make phantom edges. */
static void purge_phantoms(struct lg_thread *t)
{
    for (uint32_t i = t->nheld; i-- > 0;) {
        struct lg_held *h = &t->held[i];
        if (h->mode != LG_MODE_READ &&
            atomic_load_explicit(&h->lock->owner, memory_order_relaxed) != t)
            remove_held(t, i);
    }
}

/* ---- stack-resident locks ----------------------------------------------------
 * A lock in a stack frame ends when the frame returns, with no event to say so
 * (std::mutex has no destroy).  At its first use the shim notes which frame holds
 * it: the stack slot of that frame's return address, and the address stored there.
 * A later use that finds another return address in the slot is in a frame that
 * replaced the old one (another function, or the same one called from elsewhere):
 * a new lock.  The same function re-entered from the same call site keeps the lock,
 * which is harmless: same code, same role.  A thread's stack locks end with it, so
 * a slot is never read after its stack is gone. */

struct stack_locks {
    uint32_t n, cap;
    struct lg_lockrec *l[];
};

/* The list lives with the thread's slot (reused with it). */
static void note_stack_lock(struct lg_thread *t, struct lg_lockrec *l)
{
    struct stack_locks *s = t->stack_locks;
    if (s && s->n == s->cap) { /* drop the dead before growing */
        uint32_t k = 0;
        for (uint32_t i = 0; i < s->n; i++)
            if (!(atomic_load_explicit(&s->l[i]->flags, memory_order_relaxed) & LG_LR_DEAD))
                s->l[k++] = s->l[i];
        s->n = k;
    }
    if (!s || s->n == s->cap) {
        uint32_t cap = s ? s->cap * 2 : 64;
        struct stack_locks *n = lg_arena_alloc(sizeof *n + cap * sizeof n->l[0]);
        if (!n)
            return;
        n->cap = cap;
        if (s) {
            n->n = s->n;
            memcpy(n->l, s->l, s->n * sizeof s->l[0]);
        }
        t->stack_locks = s = n;
    }
    s->l[s->n++] = l;
}

static void retire_record(struct lg_lockrec *l, int reason);
static void heap_mark(uintptr_t a);

static int frame_replaced(const struct lg_lockrec *l)
{
    return (atomic_load_explicit(&l->flags, memory_order_relaxed) & LG_LR_STACK) &&
           (uint32_t)*(const volatile uintptr_t *)l->frame_slot != l->frame_ret;
}

static void retire_own_stack_locks(struct lg_thread *t)
{
    struct stack_locks *s = t->stack_locks;
    for (uint32_t i = 0; s && i < s->n; i++)
        retire_record(s->l[i], LG_RETIRE_STACK);
    if (s)
        s->n = 0;
}

/* ---- lock records ----------------------------------------------------------- */

struct make_args {
    uint8_t kind;
    lg_subkind_fn subkind;
    uint16_t flags;
    uint8_t log_flags;
    uintptr_t frame_slot;
};

static struct lg_lockrec *make_record(uintptr_t addr, struct lg_lockrec *prev, void *arg)
{
    struct make_args *a = arg;
    struct lg_lockrec *l = lg_arena_alloc(sizeof *l);
    if (!l)
        return NULL;
    l->addr = addr;
    l->gen = prev ? prev->gen + 1 : 1;
    l->kind = a->kind;
    l->subkind = a->subkind ? a->subkind(addr) : 0;
    atomic_store_explicit(&l->flags, a->flags, memory_order_relaxed);
    l->log_flags = a->log_flags;
    l->frame_slot = a->frame_slot;
    if (a->frame_slot)
        l->frame_ret = (uint32_t)*(const uintptr_t *)a->frame_slot;
    return l;
}

struct capture {
    uint32_t n;
    uint32_t id;    /* interned id once known */
    uint8_t cut;    /* no room to unwind: pcs holds the call site alone */
    uintptr_t site; /* the acquisition's call site when known, else 0 */
    uintptr_t pcs[LG_MAX_DEPTH];
};

/* The calling thread's stack has room for an unwind.  A thread made with a small
 * stack (PTHREAD_STACK_MIN), or a signal handler on a small alternate stack, must
 * not overflow it in the shim: there the capture keeps the call site alone,
 * marked cut (docs/shim.md "Stack capture"). */
static int unwind_room(void)
{
    const struct lg_thread *t = lg_tls_self;
    return lg_plat_stack_room(t ? t->stack_lo : 0, t ? t->stack_hi : 0) >= LG_UNWIND_ROOM;
}

static void capture(struct capture *c)
{
    if (c->n)
        return;
    if (!unwind_room()) {
        c->cut = 1;
        c->pcs[0] = c->site;
        c->n = c->site != 0;
        return;
    }
    int depth = lg_cfg.stack_depth;
    if (depth < 1 || depth > LG_MAX_DEPTH)
        depth = LG_DEFAULT_STACK_DEPTH;
    int n = lg_plat_backtrace(c->pcs, depth);
    c->n = n > 0 ? (uint32_t)n : 0;
}

static void capture_start(struct capture *c, uintptr_t site)
{
    c->n = c->id = c->cut = 0;
    c->site = site;
}

/* Interned id of a capture (under the graph lock). */
static uint32_t capture_id(struct capture *c)
{
    if (!c->id) {
        c->id = lg_stack_intern(c->pcs, c->n);
        if (c->cut && c->n)
            lg_stack_mark_cut(c->id);
    }
    return c->id;
}


/* A new record for the lock at addr, at its first use, or at its init (at_init): a
 * heap or stack lock's class is then the init's stack (LG_LOCKF_INIT_SITE), which
 * is the same for every object a constructor makes, wherever each is first locked.
 * A static lock's class is its place in the module whatever the call, so an init
 * of one makes no record (NULL): its first use does, as if it had no init. */
static struct lg_lockrec *create_lock(struct lg_thread *t, uintptr_t addr, uint8_t kind,
                                      lg_subkind_fn subkind, struct capture *cap, int at_init)
{
    uint32_t module = 0;
    uint64_t offset = 0;
    int cls = lg_plat_classify(addr, &module, &offset, 1);
    if (at_init && cls == LG_CLASS_STATIC)
        return NULL;
    struct make_args a = {kind, subkind, 0, 0, 0};
    int on_stack = addr >= t->stack_lo && addr < t->stack_hi;
    if (on_stack && unwind_room())
        a.frame_slot = lg_plat_frame_slot(addr);
    on_stack = on_stack && a.frame_slot;
    if (cls != LG_CLASS_STATIC)
        a.flags = on_stack ? LG_LR_STACK : LG_LR_HEAP;
    if (at_init)
        a.log_flags = LG_LOCKF_INIT_SITE;
    capture(cap);
    lg_tool_section_enter(); /* the graph lock, then the heap or stack slots' */
    lg_graph_lock();
    int made;
    struct lg_lockrec *l = lg_table_get(addr, make_record, &a, &made);
    if (l && made) {
        l->first_stack = capture_id(cap);
        lg_rec_lock(l, lg_plat_now(), cls, module, offset,
                    cls == LG_CLASS_STATIC ? 0 : cap->id);
    }
    lg_graph_unlock();
    if (l && made && on_stack)
        note_stack_lock(t, l);
    if (l && made && cls != LG_CLASS_STATIC && !on_stack)
        heap_mark(addr);
    lg_tool_section_leave();
    return l;
}

/* The live record at addr (one whose stack frame was replaced is retired first), or
 * a new one made as at a first use or at an init (create_lock's at_init). */
static struct lg_lockrec *live_or_new(struct lg_thread *t, uintptr_t addr, uint8_t kind,
                                      lg_subkind_fn subkind, int at_init)
{
    struct lg_guard g = lg_guard_enter(t);
    struct lg_lockrec *l = lg_table_find(addr);
    if (l && frame_replaced(l)) {
        retire_record(l, LG_RETIRE_STACK);
        l = NULL;
    }
    if (!l) {
        struct capture cap;
        capture_start(&cap, 0);
        l = create_lock(t, addr, kind, subkind, &cap, at_init);
    }
    lg_guard_leave(t, g);
    return l;
}

struct lg_lockrec *lg_lock_of(struct lg_thread *t, uintptr_t addr, uint8_t kind,
                              lg_subkind_fn subkind)
{
    return live_or_new(t, addr, kind, subkind, 0);
}

/* (detect.h) After lg_lock_end, so the address has no live instance unless another
 * thread used it meanwhile (a racy init): that one is kept, as a use would keep it. */
void lg_lock_init(struct lg_thread *t, uintptr_t addr, uint8_t kind, lg_subkind_fn subkind)
{
    live_or_new(t, addr, kind, subkind, 1);
}

static void retire_record(struct lg_lockrec *l, int reason)
{
    uint16_t f = atomic_fetch_or(&l->flags, LG_LR_DEAD);
    if (f & LG_LR_DEAD)
        return;
    lg_graph_lock();
    lg_rec_retire(l, lg_plat_now(), reason);
    lg_graph_unlock();
}

void lg_lock_retire(uintptr_t addr, int reason)
{
    struct lg_lockrec *l = lg_table_find(addr);
    if (!l)
        return;
    if (atomic_load_explicit(&l->owner, memory_order_relaxed) && reason == LG_RETIRE_DESTROY) {
        /* destroyed while held (glibc accepts it for rwlocks and spinlocks): the
         * instance ends at its release */
        atomic_fetch_or(&l->flags, LG_LR_HELD_DESTROY);
        return;
    }
    retire_record(l, reason);
}

/* Pages that have held a heap lock: a bitmap hashed by page number, so free() of
 * a block that never contained a lock costs one bit test.  Bits are never
 * cleared; a stale bit only costs a few table probes. */
#define HEAP_BITS (1u << 20)
static _Atomic uint64_t heap_pages[HEAP_BITS / 64];
static _Atomic int heap_any;

static void heap_mark(uintptr_t a)
{
    size_t b = (a >> 12) & (HEAP_BITS - 1);
    atomic_fetch_or_explicit(&heap_pages[b / 64], 1ull << (b % 64), memory_order_relaxed);
    atomic_store_explicit(&heap_any, 1, memory_order_relaxed);
}

static int heap_page_marked(uintptr_t page)
{
    size_t b = page & (HEAP_BITS - 1);
    return (atomic_load_explicit(&heap_pages[b / 64], memory_order_relaxed) >> (b % 64)) & 1u;
}

int lg_heap_may_hold_locks(uintptr_t lo, uintptr_t hi)
{
    if (!atomic_load_explicit(&heap_any, memory_order_relaxed) || hi <= lo)
        return 0;
    uintptr_t first = lo >> 12, last = (hi - 1) >> 12;
    if (last - first >= HEAP_BITS)
        return 1;
    for (uintptr_t p = first; p <= last; p++)
        if (heap_page_marked(p))
            return 1;
    return 0;
}

static void retire_freed_heap_lock(struct lg_lockrec *l, void *arg)
{
    (void)arg;
    if (atomic_load_explicit(&l->flags, memory_order_relaxed) & LG_LR_DEAD) {
        /* destroyed, then freed: the memory may hold a new lock (events.c) */
        atomic_fetch_and(&l->flags, (uint16_t)~LG_LR_DESTROYED);
        return;
    }
    if (!(atomic_load_explicit(&l->flags, memory_order_relaxed) & LG_LR_HEAP))
        return;
    atomic_store_explicit(&l->owner, NULL, memory_order_relaxed);
    retire_record(l, LG_RETIRE_FREED);
}

/* Two ways to find the heap locks in [lo, hi): walk its pages (a bit test each, and
 * a probe per 4 bytes of a page that ever held a heap lock), or walk the lock table
 * (a load per slot).  The cheaper one is taken, so the cost follows the locks, not
 * the size of the range: munmap of a reservation of terabytes (allocators, JVMs,
 * sanitizer runtimes reserve address space that way) costs one table walk. */
#define LG_RANGE_PAGES_PER_SLOT 64 /* a page walk is cheaper below slots/64 pages */

size_t lg_retire_range(uintptr_t lo, uintptr_t hi)
{
    if (hi <= lo)
        return 0;
    uintptr_t pages = ((hi - 1) >> 12) - (lo >> 12) + 1;
    size_t slots = lg_table_slots();
    if (pages > slots / LG_RANGE_PAGES_PER_SLOT) {
        lg_table_each_in_range(lo, hi, retire_freed_heap_lock, NULL);
        return slots;
    }
    for (uintptr_t page = lo >> 12; page <= (hi - 1) >> 12; page++) {
        if (!heap_page_marked(page))
            continue;
        uintptr_t a = page << 12 > lo ? page << 12 : lo;
        uintptr_t end = (page + 1) << 12 < hi ? (page + 1) << 12 : hi;
        for (a &= ~(uintptr_t)3; a < end; a += 4) { /* spinlocks are 4-byte aligned */
            struct lg_lockrec *l = lg_table_find_any(a);
            if (!l)
                continue;
            if (atomic_load_explicit(&l->flags, memory_order_relaxed) & LG_LR_DEAD) {
                retire_freed_heap_lock(l, NULL); /* a destroyed mark goes */
                continue;
            }
            /* freeing a held lock is its own bug; its holder's entry goes too */
            atomic_store_explicit(&l->owner, NULL, memory_order_relaxed);
            retire_record(l, LG_RETIRE_FREED);
        }
    }
    return (size_t)pages;
}

/* (detect.h) In this file so that the bitmap test is inlined: free() runs it. */
void lg_memory_freed(uintptr_t lo, uintptr_t hi)
{
    if (!lg_heap_may_hold_locks(lo, hi))
        return;
    struct lg_thread *t = lg_tls_self;
    /* a thread past its end (key destructors, thread_local destructors) still frees
     * memory that held locks: they are retired under its sentinel state, whose
     * guard is raised for good */
    if (!t || atomic_load(&t->alive)) {
        t = lg_event_thread();
        if (!t)
            return;
    }
    struct lg_guard g = lg_guard_enter(t);
    lg_retire_range(lo, hi);
    lg_guard_leave(t, g);
}

/* ---- acquisition and release ---------------------------------------------------- */

static void report_pending(struct lg_pending *p)
{
    for (struct lg_live_finding *f = p->head; f; f = f->next)
        lg_report_live(f);
}

/* Held locks whose acquisition captured no stack (the steady state captures none)
 * get one now, once per hold, but only frames that are provably that acquisition's
 * own.  The acquisition recorded its call site (pc) and its caller's stack pointer
 * at the call (the hook's frame address + 16).  If the caller has not returned
 * since, the current stack holds a frame of the same function whose extent
 * [sp, cfa) contains that stack pointer, and whose current call site is not before
 * the acquisition's (a frame that went back is a loop or a new call of the same
 * function at the same depth); the frames outside it are then the same calls as
 * at the acquisition, and the stack is pc + those frames.  Otherwise (the lock was
 * taken in a helper that has returned, std::mutex::lock at -O0, a lock_guard made
 * in a callee) the outer frames are unknown: the stack is the call site alone,
 * recorded as cut (lg_stack_mark_cut), never frames from another moment.
 * docs/shim.md "Held-lock stacks" says what remains ambiguous.
 * The walk is the current stack: when one is made and cap is still empty, it is
 * also the acquisition's own stack (one unwind instead of two).
 * The stacks are interned in one graph-lock section.  keep: a caller about to take
 * the graph lock for its own work (validate) may keep it: then, if the walk also
 * filled cap (so the caller has nothing left to unwind, which the lock forbids), 1
 * is returned with the lock still held: a new chain costs one section, not two
 * (each section was a futex wait and wake under contention). */
__attribute__((noinline)) static int held_stacks(struct lg_thread *t, struct capture *cap, int keep)
{
    uint32_t need = 0;
    for (uint32_t i = 0; i < t->nheld; i++)
        need += !t->held[i].stack && t->held[i].sp;
    if (!need)
        return 0;
    struct lg_plat_frame f[LG_MAX_DEPTH];
    uintptr_t out[LG_MAX_DEPTH];
    int depth = lg_cfg.stack_depth < 1 || lg_cfg.stack_depth > LG_MAX_DEPTH ? LG_DEFAULT_STACK_DEPTH
                                                                          : lg_cfg.stack_depth;
    int n = lg_plat_backtrace_frames(f, LG_MAX_DEPTH);
    if (cap && !cap->n && !cap->id && n > 0) {
        for (int x = 0; x < n && cap->n < (uint32_t)depth; x++)
            cap->pcs[cap->n++] = f[x].pc;
    }
    lg_graph_lock();
    for (uint32_t i = 0; i < t->nheld; i++) {
        struct lg_held *h = &t->held[i];
        if (h->stack || !h->sp)
            continue;
        uintptr_t caller_sp = h->sp + 16;
        int j = 0;
        while (j < n && !(f[j].sp && f[j].sp <= caller_sp && caller_sp < f[j].cfa))
            j++;
        /* h->pc in [fn, f[j].pc): a function's code is one range, so that is "h->pc
         * lies in f[j]'s function, before its current call site", with no second
         * unwind-table lookup for h->pc's function.  At its current call site itself
         * (h->pc == f[j].pc: the frame is now making this very acquisition's call),
         * a loop in one activation and a helper called again at the same depth
         * (lock_one(&a); lock_one(&b), or two lock_guards at -O0) look the same, and
         * the second would print the later line: cut. */
        int live = j < n && f[j].fn && f[j].fn <= h->pc && f[j].pc > h->pc;
        uint32_t k = 0;
        out[k++] = h->pc;
        if (live)
            for (int x = j + 1; x < n && k < (uint32_t)depth; x++)
                out[k++] = f[x].pc;
        h->stack = lg_stack_intern(out, k);
        if (!live)
            lg_stack_mark_cut(h->stack);
    }
    if (keep && cap && cap->n)
        return 1;
    lg_graph_unlock();
    return 0;
}

/* A new chain: its contexts go into the graph.  The acquisition's stack is its
 * own when one is at hand (a first use captured it; or held_stacks had to walk
 * the stack for a held lock, and that walk is this acquisition's stack too), or,
 * when the code path is in the stack depot, the stack first seen on that path
 * (the contexts say so: LG_CTXF_STACK_FIRST), with no capture; else a capture.
 * Held stacks are unaffected: held_stacks gives each hold its own or a cut one. */
/* A held lock's stack when its frames were never kept: its call site alone, marked
 * cut (reports say the outer frames are unknown).  Graph lock held. */
static uint32_t site_stack_cut(uintptr_t pc)
{
    uint32_t id = lg_stack_intern(&pc, 1);
    lg_stack_mark_cut(id);
    return id;
}

static void validate(struct lg_thread *t, struct lg_lockrec *l, uint8_t mode, uint8_t flags,
                     uint64_t key, uintptr_t pc, struct capture *cap)
{
    struct lg_pending pending;
    pending.head = NULL;
    pending.tail = &pending.head;
    const struct lg_held *top = &t->held[t->nheld - 1];
    uint64_t path = lg_depot_key(pc, l->kind, mode, flags, top->pc, top->lock->kind, top->mode);
    uint16_t ctxflags = flags;
    int room = unwind_room();
    /* locked: held_stacks kept the graph lock, and cap is filled (capture below
     * unwinds nothing) */
    int locked = room && held_stacks(t, cap, 1);
    /* the depot's stack is the path's, not this acquisition's: it goes into the
     * contexts only, never into cap (whose id becomes the held entry's stack) */
    uint32_t stack = !cap->n && path ? lg_depot_find(path) : 0;
    if (stack)
        ctxflags |= LG_CTXF_STACK_FIRST;
    else
        capture(cap);
    if (!locked)
        lg_graph_lock();
    for (uint32_t i = 0; !room && i < t->nheld; i++) /* no room for held_stacks */
        if (!t->held[i].stack && t->held[i].sp)
            t->held[i].stack = site_stack_cut(t->held[i].pc);
    if (!stack) {
        stack = capture_id(cap);
        if (path && stack && !cap->cut) /* a call site alone is no path's stack */
            lg_depot_put(path, stack);
    }
    struct lg_chain *chain = lg_chain_intern(t->held, t->nheld);
    if (chain && lg_graph_acquire(t, t->held, t->nheld, chain, l, mode, ctxflags, stack, &pending))
        t->in_graph = 1; /* a context names it: its identity outlives it */
    lg_graph_unlock();
    if (chain) {
        chain_add(t, key);
        lg_validated_note(key, t->serial);
    }
    report_pending(&pending);
}

/* A re-lock of a lock this thread holds (recursive mutex, FILE lock, nested read
 * lock) adds nothing to the graph: one more level on its held entry.  0 if l is
 * not such a re-lock. */
static int relock(struct lg_thread *t, struct lg_lockrec *l, uint8_t mode)
{
    int i = -1;
    if (mode != LG_MODE_READ) {
        if (atomic_load_explicit(&l->owner, memory_order_relaxed) == t)
            i = lg_held_index(t, l);
    } else if (t->nheld) {
        i = lg_held_index(t, l);
        if (i >= 0 && t->held[i].mode != LG_MODE_READ)
            i = -1;
    }
    if (i < 0)
        return 0;
    t->held[i].depth++;
    return 1;
}

void lg_acquire_slow(struct lg_thread *t, uintptr_t addr, uint8_t kind, lg_subkind_fn subkind,
                     uint8_t mode, uint8_t ctxflags, uintptr_t pc, uintptr_t sp)
{
    struct lg_guard g = lg_guard_enter(t);
    /* sect: a tool section is open around the tool locks a new lock or a new chain
     * takes (one signal-mask change per event, tool_lock.h) */
    int sect = 0;
    struct capture cap;
    capture_start(&cap, pc);
    /* one probe: the live record, or the retired one a destroyed-use check reads */
    struct lg_lockrec *any = lg_table_find_any(addr);
    struct lg_lockrec *l =
        any && !(atomic_load_explicit(&any->flags, memory_order_relaxed) & LG_LR_DEAD) ? any : NULL;
    if (l && frame_replaced(l)) {
        retire_record(l, LG_RETIRE_STACK);
        l = NULL;
    }
    if (__builtin_expect(!l, 0)) {
        /* acquired: a mutex's word cannot say destroyed (glibc refuses those) */
        if (any)
            lg_destroyed_use_of(t, any, kind, (struct lg_lock_word){LG_WORD_HELD, 0},
                                LG_USE_LOCK);
        /* a new lock under held ones is a new chain: validate will walk the stack
         * for the holds that have none, and that walk is this first use's stack too
         * (held_stacks fills cap), so one unwind serves both rather than two */
        sect = 1;
        lg_tool_section_enter();
        if (t->nheld && unwind_room())
            held_stacks(t, &cap, 0);
        l = create_lock(t, addr, kind, subkind, &cap, 0);
    }
    if (l && (atomic_load_explicit(&l->flags, memory_order_relaxed) & LG_LR_FORK_HELD))
        lg_fork_held_use(t, l, mode, 0);
    if (l)
        lg_stat_add(&l->acq, 1);
    if (l && !relock(t, l, mode)) {
        uint32_t n = t->nheld;
        uint64_t key = lg_chain_step(n ? t->held[n - 1].key : 0, l, mode, ctxflags);
        if (n && __builtin_expect(!lg_chain_seen(t, key), 0)) {
            if (!sect) {
                sect = 1;
                lg_tool_section_enter();
            }
            uint32_t before = t->nheld;
            purge_phantoms(t);
            if (t->nheld != before) {
                n = t->nheld;
                key = lg_chain_step(n ? t->held[n - 1].key : 0, l, mode, ctxflags);
            }
            /* other threads' validation counts too (validated.h) */
            if (n && !lg_chain_seen(t, key) && lg_validated_skip(key, t->serial))
                chain_add(t, key);
            else if (n && !lg_chain_seen(t, key))
                validate(t, l, mode, ctxflags, key, pc, &cap);
        }
        if (__builtin_expect(n < t->cap, 1) || grow_held(t) == 0)
            lg_push_held(t, n, l, key, pc, sp, cap.id, mode, ctxflags);
    }
    if (sect)
        lg_tool_section_leave();
    lg_guard_leave(t, g);
}

uint32_t lg_held_stack_id(const struct lg_held *h)
{
    if (h->stack)
        return h->stack;
    lg_graph_lock();
    uint32_t id = site_stack_cut(h->pc);
    lg_graph_unlock();
    return id;
}

/* Long holds are printed once per acquisition site (a loop taking a thousand
 * locks is one problem, not a thousand reports), but every one is recorded in the
 * log, where the report counts them. */
static struct lg_seen long_sites;

int lg_long_hold_site_first(uintptr_t pc)
{
    lg_graph_lock();
    int first = lg_seen_add(&long_sites, lg_mix64(pc ^ 0x4c48));
    lg_graph_unlock();
    return first;
}

/* The end of a long hold: the total, measured with the precise clock from the tick
 * the hold began in, so it is never less than the real hold (and at most one tick
 * more).  print: whether the live report is printed (see lg_long_hold_site_first). */
static void long_hold_end(struct lg_thread *t, struct lg_held *h, int print)
{
    lg_report_long_hold(t, h, lg_plat_now() - h->start, 0, print);
}

void lg_report_long_hold(struct lg_thread *t, const struct lg_held *h, uint64_t held_ns,
                         int still_held, int print)
{
    struct lg_finding_item item = {.thread = t->serial, .lock = h->lock,
                                   .stack = lg_held_stack_id(h), .pc = h->pc};
    struct lg_live_finding f = {.kind = LG_FIND_LONG_HOLD,
                                .flags = still_held ? LG_FINDF_STILL_HELD : 0,
                                .value = held_ns / 1000000,
                                .detail = still_held ? "still held:" : "released after a long hold:",
                                .n = 1, .items = &item};
    if (print)
        lg_report_finding(&f);
    else
        lg_record_finding(&f);
}


/* Pops entry i of t's held stack: the lock is released (its hold accounted, a
 * long hold reported, a destroy that waited for the release done). */
static void release_held(struct lg_thread *t, uint32_t i)
{
    uint32_t n = t->nheld;
    struct lg_held *h = &t->held[i];
    struct lg_lockrec *l = h->lock;
    uint64_t now = coarse_now();
    uint64_t held_ns = h->start && now > h->start ? now - h->start : 0;
    if (held_ns)
        lg_account_hold(l, held_ns);
    uint16_t f = atomic_load_explicit(&l->flags, memory_order_relaxed);
    if (f & LG_LR_LONG_LIVE) {
        /* the watchdog reported it while held: report its end */
        f = atomic_fetch_and(&l->flags, (uint16_t)~(LG_LR_LONG_LIVE | LG_LR_LONG_LOUD |
                                                    LG_LR_LONG_DEADLOCK));
        if ((f & LG_LR_LONG_LIVE) && !(f & LG_LR_LONG_DEADLOCK))
            long_hold_end(t, h, (f & LG_LR_LONG_LOUD) != 0);
    } else if (h->start && lg_cfg.hold_threshold_ns &&
               held_ns + atomic_load_explicit(&lg_tick_step_ns, memory_order_relaxed) >=
                   lg_cfg.hold_threshold_ns &&
               lg_plat_now() - h->start >= lg_cfg.hold_threshold_ns) {
        /* long, but over before a tick of the watchdog saw it */
        long_hold_end(t, h, lg_long_hold_site_first(h->pc));
    }
    if (h->mode != LG_MODE_READ)
        atomic_store_explicit(&l->owner, NULL, memory_order_relaxed);
    if (i == n - 1)
        __atomic_store_n(&t->nheld, n - 1, __ATOMIC_RELEASE);
    else
        remove_held(t, i);
    if (__builtin_expect(atomic_load_explicit(&l->flags, memory_order_relaxed) &
                             LG_LR_HELD_DESTROY, 0))
        retire_record(l, LG_RETIRE_DESTROY);
}

int lg_held_phantom(const struct lg_thread *t, const struct lg_held *h)
{
    return (atomic_load_explicit(&h->lock->flags, memory_order_relaxed) & LG_LR_STOLEN) &&
           h->mode != LG_MODE_READ && atomic_load_explicit(&h->lock->owner, memory_order_relaxed) != t;
}

int lg_release_slow(struct lg_thread *t, uintptr_t addr)
{
    struct lg_guard g = lg_guard_enter(t);
    uint32_t n = t->nheld;
    uint32_t i = n;
    while (i-- > 0)
        if (t->held[i].lock->addr == addr)
            break;
    int held = i < n;
    if (held && lg_held_phantom(t, &t->held[i])) {
        /* another thread's condition wait ended this hold (misuse.h, C4): not a
         * release of this thread's, nothing to count; the caller checks the unlock */
        if (i == n - 1)
            __atomic_store_n(&t->nheld, n - 1, __ATOMIC_RELEASE);
        else
            remove_held(t, i);
        held = 0;
    } else if (held && t->held[i].depth)
        t->held[i].depth--;
    else if (held)
        release_held(t, i);
    lg_guard_leave(t, g);
    return held;
}

/* ---- findings ------------------------------------------------------------------ */

uint32_t lg_capture_stack(void)
{
    struct capture cap;
    capture_start(&cap, 0);
    capture(&cap);
    lg_graph_lock();
    uint32_t id = capture_id(&cap);
    lg_graph_unlock();
    return id;
}

void lg_record_finding(struct lg_live_finding *f)
{
    f->flags |= LG_FINDF_QUIET;
    lg_graph_lock();
    lg_rec_finding(f, lg_plat_now());
    lg_graph_unlock();
}

void lg_report_finding(struct lg_live_finding *f)
{
    lg_graph_lock();
    lg_rec_finding(f, lg_plat_now());
    lg_graph_unlock();
    lg_report_live(f);
}

void lg_report_lock_finding(struct lg_thread *t, uint8_t kind, uint16_t flags,
                            struct lg_lockrec *l, uint32_t stack, uint32_t other_stack,
                            uint64_t value, const char *detail)
{
    struct lg_finding_item item = {.thread = t ? t->serial : 0, .lock = l,
                                   .stack = stack, .other_stack = other_stack};
    struct lg_live_finding f = {.kind = kind, .flags = flags, .value = value, .detail = detail,
                           .n = 1, .items = &item};
    lg_report_finding(&f);
}

/* ---- fork ----------------------------------------------------------------------- */

void lg_detector_after_fork_child(struct lg_thread *self)
{
    lg_graph_after_fork();
    lg_table_after_fork();
    lg_tool_lock_reset(&slot_lock);
    /* the watchdog did not survive the fork: no pass is running here */
    if (atomic_load(&lg_wd_pass) & 1)
        atomic_fetch_add(&lg_wd_pass, 1);
    lg_fork_held_snapshot(self);
    for (struct lg_thread *t = lg_thread_first(); t; t = t->next_all)
        if (t != self)
            atomic_store(&t->alive, 0);
    if (self) {
        self->tid = lg_plat_gettid();
        self->wait.lock = NULL;
    }
}

static void replay_lock(struct lg_lockrec *l, void *arg)
{
    (void)arg;
    uint32_t module = 0;
    uint64_t offset = 0;
    int cls = lg_plat_classify(l->addr, &module, &offset, 0); /* graph lock held */
    lg_rec_lock(l, lg_plat_now(), cls, module, offset, cls == LG_CLASS_STATIC ? 0 : l->first_stack);
    if (atomic_load_explicit(&l->flags, memory_order_relaxed) & LG_LR_DEAD)
        lg_rec_retire(l, lg_plat_now(), LG_RETIRE_DESTROY);
}

void lg_detector_replay(void)
{
    uint64_t now = lg_plat_now();
    lg_rec_stats_forget();
    lg_graph_replay_stacks();
    lg_stack_cut_replay();
    /* the threads present, in serial order (as they were first written) */
    lg_smap_each(&thread_map, replay_thread, &(struct replay_args){now, 0});
    lg_table_each(replay_lock, NULL);
    /* after the locks: a thread's exit record lists the locks it still held */
    lg_smap_each(&thread_map, replay_thread, &(struct replay_args){now, 1});
    lg_graph_replay_rest();
}
