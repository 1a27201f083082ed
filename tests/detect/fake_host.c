/* The fake host of the detection core: see fake_host.h. */
#define _GNU_SOURCE
#include "fake_host.h"
#include "graph.h"
#include "lock_table.h"
#include "log_codec.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <time.h>

/* ---- "no core lock held" probe ------------------------------------------------------ */

static _Atomic int probing;
static _Atomic uintptr_t probe_addr;
static _Atomic unsigned probe_calls, probe_violations;

static struct lg_lockrec *probe_make(uintptr_t addr, struct lg_lockrec *prev, void *arg)
{
    (void)addr, (void)prev, (void)arg;
    return NULL;
}

static void *probe_main(void *p)
{
    (void)p;
    lg_graph_lock();
    lg_graph_unlock();
    uintptr_t a = atomic_load(&probe_addr);
    if (a) {
        int made;
        lg_table_get(a, probe_make, NULL, &made);
    }
    return NULL;
}

/* From another thread, take and give the graph lock and the lock table's lock: if
 * the caller holds either, the probe cannot finish. */
static void probe_core_locks(void)
{
    if (!atomic_load(&probing))
        return;
    atomic_fetch_add(&probe_calls, 1);
    pthread_t th;
    g_assert_cmpint(pthread_create(&th, NULL, probe_main, NULL), ==, 0);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 2;
    if (pthread_timedjoin_np(th, NULL, &ts) != 0) {
        atomic_fetch_add(&probe_violations, 1);
        pthread_detach(th); /* it finishes when the caller lets go */
    }
}

void fake_probe_core_locks(int on, const void *table_addr)
{
    atomic_store(&probe_addr, (uintptr_t)table_addr);
    atomic_store(&probing, on);
}

unsigned fake_probe_calls(void) { return atomic_load(&probe_calls); }
unsigned fake_probe_violations(void) { return atomic_load(&probe_violations); }

/* ---- backtrace ------------------------------------------------------------------ */

static pthread_mutex_t fake_mu = PTHREAD_MUTEX_INITIALIZER;
static uintptr_t cur_stack[LG_MAX_DEPTH];
static int cur_depth;
static _Atomic unsigned bt_calls;

void fake_set_stack(const uintptr_t *pcs, int n)
{
    g_assert_cmpint(n, >=, 0);
    g_assert_cmpint(n, <=, LG_MAX_DEPTH);
    pthread_mutex_lock(&fake_mu);
    memcpy(cur_stack, pcs, (size_t)n * sizeof *pcs);
    cur_depth = n;
    pthread_mutex_unlock(&fake_mu);
}

void fake_stack_of(uintptr_t pc, uintptr_t out[FAKE_FRAMES])
{
    out[0] = pc;
    out[1] = pc + 0x100000;
    out[2] = 0x7e0000 + (pc & 0xfff);
}

/* The frame slot of stack-resident locks is whatever the test set (0: the fake
 * knows no frame, and a lock on the test's stack is treated as a heap lock). */
static _Atomic uintptr_t fake_slot;

void fake_set_frame_slot(uintptr_t slot) { atomic_store(&fake_slot, slot); }

uintptr_t lg_plat_frame_slot(uintptr_t addr)
{
    (void)addr;
    return atomic_load(&fake_slot);
}

/* No frame bounds in the fake: held locks keep their one-frame call site, marked
 * cut. */
int lg_plat_backtrace_frames(struct lg_plat_frame *f, int max)
{
    (void)f;
    (void)max;
    atomic_fetch_add(&bt_calls, 1);
    probe_core_locks();
    return 0;
}

static _Atomic unsigned capture_calls;

int lg_plat_backtrace(uintptr_t *pcs, int max)
{
    atomic_fetch_add(&bt_calls, 1);
    atomic_fetch_add(&capture_calls, 1);
    probe_core_locks();
    pthread_mutex_lock(&fake_mu);
    int n = cur_depth < max ? cur_depth : max;
    memcpy(pcs, cur_stack, (size_t)(n > 0 ? n : 0) * sizeof *pcs);
    pthread_mutex_unlock(&fake_mu);
    return n;
}

unsigned fake_backtrace_calls(void) { return atomic_load(&bt_calls); }
unsigned fake_capture_calls(void) { return atomic_load(&capture_calls); }

int fake_stack_is(uint32_t id, const uintptr_t *pcs, uint32_t n)
{
    uint32_t got = 0;
    lg_graph_lock();
    const uintptr_t *s = lg_stack_get(id, &got);
    int same = s && got == n && memcmp(s, pcs, n * sizeof *pcs) == 0;
    lg_graph_unlock();
    return same;
}

int fake_stack_is_of(uint32_t id, uintptr_t pc)
{
    uintptr_t s[FAKE_FRAMES];
    fake_stack_of(pc, s);
    return fake_stack_is(id, s, FAKE_FRAMES);
}

/* ---- clocks ------------------------------------------------------------------- */

static _Atomic uint64_t fake_ns = 1000000000ull;

/* ---- the deadlock policy: counted, never applied -------------------------------- */

static _Atomic unsigned policy_calls;
void lg_deadlock_policy(void) { atomic_fetch_add(&policy_calls, 1); }
unsigned fake_deadlock_policy_calls(void) { return atomic_load(&policy_calls); }

void fake_clock_set(uint64_t ns) { atomic_store(&fake_ns, ns); }
void fake_clock_advance(uint64_t ns) { atomic_fetch_add(&fake_ns, ns); }
uint64_t lg_plat_now(void) { return atomic_load(&fake_ns); }
uint64_t lg_plat_now_coarse(void) { return atomic_load(&fake_ns); }

/* ---- thread identity ------------------------------------------------------------ */

static _Atomic uint32_t fake_tid;
static char fake_name[16];
static _Atomic int fake_name_set;

void fake_set_thread_identity(uint32_t tid, const char *name)
{
    atomic_store(&fake_tid, tid);
    atomic_store(&fake_name_set, 0);
    if (name) {
        g_strlcpy(fake_name, name, sizeof fake_name);
        atomic_store(&fake_name_set, 1);
    }
}

uint32_t lg_plat_gettid(void)
{
    uint32_t t = atomic_load(&fake_tid);
    return t ? t : (uint32_t)gettid();
}

void lg_plat_thread_name(char *name, size_t cap)
{
    g_assert_cmpuint(cap, >=, 16);
    if (atomic_load(&fake_name_set)) {
        g_strlcpy(name, fake_name, cap);
        return;
    }
    char buf[16] = "";
    prctl(PR_GET_NAME, buf, 0, 0, 0);
    buf[15] = 0;
    g_strlcpy(name, buf, cap);
}

/* ---- classification and stack bounds ------------------------------------------ */

struct static_range {
    uintptr_t lo, hi;
    uint32_t module;
};
static struct static_range ranges[16];
static _Atomic int nranges;

void fake_add_static_range(uintptr_t lo, uintptr_t hi, uint32_t module)
{
    int i = atomic_load(&nranges);
    g_assert_cmpint(i, <, 16);
    ranges[i] = (struct static_range){lo, hi, module};
    atomic_store(&nranges, i + 1);
}

int lg_plat_classify(uintptr_t addr, uint32_t *module_id, uint64_t *offset, int may_rescan)
{
    (void)may_rescan;
    int n = atomic_load(&nranges);
    for (int i = 0; i < n; i++)
        if (addr >= ranges[i].lo && addr < ranges[i].hi) {
            *module_id = ranges[i].module;
            *offset = addr - ranges[i].lo;
            return LG_CLASS_STATIC;
        }
    return LG_CLASS_SITE;
}

static _Atomic uintptr_t bounds_lo, bounds_hi;
static _Atomic int bounds_real;

void fake_set_stack_bounds(uintptr_t lo, uintptr_t hi)
{
    atomic_store(&bounds_lo, lo);
    atomic_store(&bounds_hi, hi);
    atomic_store(&bounds_real, 0);
}

void fake_set_real_stack_bounds(void) { atomic_store(&bounds_real, 1); }

/* Room to unwind unless a test takes it away (fake_set_unwind_room). */
static _Atomic int unwind_room = 1;

void fake_set_unwind_room(int room) { atomic_store(&unwind_room, room); }

size_t lg_plat_stack_room(uintptr_t lo, uintptr_t hi)
{
    (void)lo;
    (void)hi;
    return atomic_load(&unwind_room) ? SIZE_MAX : 0;
}

void lg_plat_stack_bounds(uintptr_t *lo, uintptr_t *hi)
{
    if (atomic_load(&bounds_real)) {
        pthread_attr_t a;
        void *base;
        size_t size;
        g_assert_cmpint(pthread_getattr_np(pthread_self(), &a), ==, 0);
        g_assert_cmpint(pthread_attr_getstack(&a, &base, &size), ==, 0);
        pthread_attr_destroy(&a);
        *lo = (uintptr_t)base;
        *hi = (uintptr_t)base + size;
        return;
    }
    *lo = atomic_load(&bounds_lo);
    *hi = atomic_load(&bounds_hi);
}

/* ---- captured log --------------------------------------------------------------- */

#define LOG_CAP ((size_t)2 << 30)
static unsigned char *log_buf;
static _Atomic size_t log_len;
static pthread_once_t log_once = PTHREAD_ONCE_INIT;

static void log_init(void)
{
    void *p = mmap(NULL, LOG_CAP, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    g_assert_true(p != MAP_FAILED);
    log_buf = p;
}

/* The side buffer of fake_log_capture_begin/end. */
#define ALT_CAP ((size_t)1 << 30)
static unsigned char *alt_buf;
static _Atomic size_t alt_len;
static _Atomic int capturing;

void fake_log_capture_begin(void)
{
    g_assert_false(atomic_load(&capturing));
    if (!alt_buf) {
        void *p = mmap(NULL, ALT_CAP, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        g_assert_true(p != MAP_FAILED);
        alt_buf = p;
    }
    atomic_store(&alt_len, 0);
    atomic_store(&capturing, 1);
}

const unsigned char *fake_log_capture_end(size_t *len)
{
    g_assert_true(atomic_load(&capturing));
    atomic_store(&capturing, 0);
    *len = atomic_load(&alt_len);
    return alt_buf;
}

const unsigned char *fake_log_replay(size_t *len)
{
    fake_log_capture_begin();
    lg_graph_lock();
    lg_detector_replay();
    lg_graph_unlock();
    return fake_log_capture_end(len);
}

/* The fake log is memory: nothing to cut, only where the cut would be. */
static _Atomic size_t cut_at = SIZE_MAX;
void lg_plat_log_end(void) { atomic_store(&cut_at, fake_log_len()); }
size_t fake_log_cut_at(void) { return atomic_load(&cut_at); }

/* A fork child's deferred log (fork_log.h): the fake log has no file to create and
 * no HEADER to write (its checker needs none); only how often one was asked for. */
static _Atomic unsigned forked_logs;
int lg_plat_log_create_forked(void)
{
    atomic_fetch_add(&forked_logs, 1);
    return 0;
}
void lg_plat_log_modules(void) {}
unsigned fake_log_forked_creations(void) { return atomic_load(&forked_logs); }

void lg_plat_log(const void *rec, size_t len)
{
    pthread_once(&log_once, log_init);
    if (atomic_load(&capturing)) {
        size_t off = atomic_fetch_add(&alt_len, len);
        g_assert_cmpuint(off + len, <=, ALT_CAP);
        memcpy(alt_buf + off, rec, len);
        return;
    }
    size_t off = atomic_fetch_add(&log_len, len);
    g_assert_cmpuint(off + len, <=, LOG_CAP);
    memcpy(log_buf + off, rec, len);
}

size_t fake_log_len(void) { return atomic_load(&log_len); }

const unsigned char *fake_log_data(void)
{
    pthread_once(&log_once, log_init);
    return log_buf;
}

static void rec_clear(gpointer p)
{
    fake_rec *r = p;
    switch (r->type) {
    case LG_REC_STACK: g_free(r->u.stack.pcs); break;
    case LG_REC_THREAD_EXIT: g_free(r->u.thread_exit.locks); break;
    case LG_REC_CHAIN: g_free(r->u.chain.locks); g_free(r->u.chain.modes); break;
    case LG_REC_FINDING: g_free(r->u.finding.items); break;
    default: break;
    }
}

/* Decodes the record at log offset off (of at most avail bytes); returns its total
 * size, or 0 and *err on a framing or decoding error. */
static size_t decode_rec(const unsigned char *base, size_t off, size_t avail, fake_rec *r,
                         char **err)
{
    const unsigned char *p = base + off;
    memset(r, 0, sizeof *r);
    r->off = off;
    if (avail < LG_REC_HEADER_SIZE) {
        *err = g_strdup_printf("@%zu: torn record header (%zu bytes)", off, avail);
        return 0;
    }
    lg_rec_header h;
    lg_rec_header_parse(p, &h);
    r->type = h.type;
    if (h.reserved != 0 || h.len > LG_REC_MAX_PAYLOAD || h.len > avail - LG_REC_HEADER_SIZE) {
        *err = g_strdup_printf("@%zu: bad framing (type %u reserved %u len %u, %zu left)", off,
                               h.type, h.reserved, h.len, avail);
        return 0;
    }
    const unsigned char *pl = p + LG_REC_HEADER_SIZE;
    if (lg_rec_crc(p, pl, h.len) != h.crc) {
        *err = g_strdup_printf("@%zu: bad CRC on a type %u record", off, h.type);
        return 0;
    }
    lg_log_record rec;
    lg_log_error derr;
    if (lg_log_decode(h.type, pl, h.len, &rec, &derr) != 0) {
        *err = g_strdup_printf("@%zu: type %u payload of %u bytes does not decode (%s)", off,
                               h.type, h.len, derr.what);
        return 0;
    }
    /* the tests' view: copies with host-width pcs, ids and modes split */
    switch (h.type) {
    case LG_REC_STACK: {
        const lg_log_stack *x = &rec.u.stack;
        r->u.stack.id = x->stack_id;
        r->u.stack.n = x->n;
        r->u.stack.pcs = g_new0(uintptr_t, x->n + 1);
        for (uint32_t i = 0; i < x->n; i++)
            r->u.stack.pcs[i] = (uintptr_t)lg_log_stack_item(x, i);
        break;
    }
    case LG_REC_THREAD:
        r->u.thread.serial = rec.u.thread.serial;
        r->u.thread.tid = rec.u.thread.tid;
        r->u.thread.creator = rec.u.thread.creator_serial;
        r->u.thread.create_stack = rec.u.thread.create_stack_id;
        break;
    case LG_REC_THREAD_EXIT: {
        const lg_log_thread_exit *x = &rec.u.thread_exit;
        r->u.thread_exit.serial = x->serial;
        r->u.thread_exit.n = x->n;
        r->u.thread_exit.locks = g_new0(uint64_t, x->n + 1);
        for (uint32_t i = 0; i < x->n; i++)
            r->u.thread_exit.locks[i] = lg_log_thread_exit_item(x, i);
        break;
    }
    case LG_REC_LOCK: {
        const lg_log_lock *x = &rec.u.lock;
        r->u.lock.id = x->lock_id;
        r->u.lock.addr = x->addr;
        r->u.lock.gen = x->generation;
        r->u.lock.kind = x->kind;
        r->u.lock.subkind = x->subkind;
        r->u.lock.flags = x->flags;
        r->u.lock.first_stack = x->first_stack_id;
        r->u.lock.class_type = x->class_type;
        r->u.lock.module = x->class_module_id;
        r->u.lock.offset = x->class_offset;
        r->u.lock.class_stack = x->class_stack_id;
        break;
    }
    case LG_REC_LOCK_RETIRE:
        r->u.retire.id = rec.u.lock_retire.lock_id;
        r->u.retire.reason = rec.u.lock_retire.reason;
        break;
    case LG_REC_EDGE:
        r->u.edge.id = rec.u.edge.edge_id;
        r->u.edge.from = rec.u.edge.from_lock;
        r->u.edge.to = rec.u.edge.to_lock;
        break;
    case LG_REC_CHAIN: {
        const lg_log_chain *x = &rec.u.chain;
        r->u.chain.id = x->chain_id;
        r->u.chain.n = x->n;
        r->u.chain.locks = g_new0(uint64_t, x->n + 1);
        r->u.chain.modes = g_new0(uint8_t, x->n + 1);
        for (uint32_t i = 0; i < x->n; i++) {
            lg_held_lock l = lg_log_chain_item(x, i);
            r->u.chain.locks[i] = l.lock;
            r->u.chain.modes[i] = l.mode;
        }
        break;
    }
    case LG_REC_CONTEXT: {
        const lg_log_context *x = &rec.u.context;
        r->u.ctx.edge = x->edge_id;
        r->u.ctx.thread = x->thread_serial;
        r->u.ctx.chain = x->chain_id;
        r->u.ctx.from_mode = x->from_mode;
        r->u.ctx.to_mode = x->to_mode;
        r->u.ctx.flags = x->flags;
        r->u.ctx.stack = x->stack_id;
        r->u.ctx.held_stack = x->held_stack_id;
        break;
    }
    case LG_REC_FINDING: {
        const lg_log_finding *x = &rec.u.finding;
        r->u.finding.kind = x->kind;
        r->u.finding.flags = x->flags;
        r->u.finding.value = x->value;
        r->u.finding.n = x->n;
        r->u.finding.items = g_new0(struct fake_item, x->n + 1);
        for (uint32_t i = 0; i < x->n; i++) {
            lg_log_finding_item y = lg_log_finding_item_at(x, i);
            r->u.finding.items[i] = (struct fake_item){y.thread_serial, y.lock_id,
                                                       y.other_lock_id, y.stack_id,
                                                       y.other_stack_id, y.mode};
        }
        break;
    }
    case LG_REC_LOSSES: {
        const lg_log_losses *x = &rec.u.losses;
        for (uint32_t i = 0; i < x->n; i++) {
            lg_log_loss y = lg_log_losses_item(x, i);
            if (y.counter < G_N_ELEMENTS(r->u.losses.value))
                r->u.losses.value[y.counter] = y.value;
        }
        break;
    }
    default: /* HEADER, MODULE, MODULE_UNLOAD, STATS, END: decoded, not kept */
        break;
    }
    return LG_REC_HEADER_SIZE + h.len;
}

GArray *fake_log_records(size_t from)
{
    return fake_log_records_buf(fake_log_data(), from, fake_log_len());
}

GArray *fake_log_records_buf(const unsigned char *buf, size_t from, size_t end)
{
    GArray *a = g_array_new(FALSE, TRUE, sizeof(fake_rec));
    g_array_set_clear_func(a, rec_clear);
    for (size_t off = from; off < end;) {
        fake_rec r;
        char *err = NULL;
        size_t n = decode_rec(buf, off, end - off, &r, &err);
        if (!n)
            g_error("log: %s", err);
        g_array_append_val(a, r);
        off += n;
    }
    return a;
}

guint fake_log_count(size_t from, uint16_t type)
{
    GArray *a = fake_log_records(from);
    guint n = 0;
    for (guint i = 0; i < a->len; i++)
        n += g_array_index(a, fake_rec, i).type == type;
    g_array_unref(a);
    return n;
}

#define KEY(v) ((gpointer)(guintptr)(v))

struct idsets {
    GHashTable *stack, *thread, *lock, *chain, *edge, *retired;
};

static char *need(GHashTable *set, uint64_t id, const char *what, const fake_rec *r)
{
    if (id == 0 || g_hash_table_contains(set, KEY(id)))
        return NULL;
    return g_strdup_printf("@%zu: type %u record uses %s %" G_GUINT64_FORMAT
                           " before any record defines it", r->off, r->type, what, id);
}

static char *define(GHashTable *set, uint64_t id, const char *what, const fake_rec *r)
{
    if (id == 0)
        return g_strdup_printf("@%zu: %s defined with id 0", r->off, what);
    if (!g_hash_table_add(set, KEY(id)))
        return g_strdup_printf("@%zu: %s %" G_GUINT64_FORMAT " defined twice", r->off, what, id);
    return NULL;
}

#define CHECK(expr)                                                                    \
    do {                                                                               \
        if (!err)                                                                      \
            err = (expr);                                                              \
    } while (0)

static char *check_one(struct idsets *s, const fake_rec *r)
{
    char *err = NULL;
    switch (r->type) {
    case LG_REC_STACK:
        CHECK(r->u.stack.n ? NULL : g_strdup_printf("@%zu: empty stack", r->off));
        CHECK(define(s->stack, r->u.stack.id, "stack", r));
        break;
    case LG_REC_THREAD:
        CHECK(need(s->thread, r->u.thread.creator, "thread", r));
        CHECK(need(s->stack, r->u.thread.create_stack, "stack", r));
        CHECK(define(s->thread, r->u.thread.serial, "thread", r));
        break;
    case LG_REC_THREAD_EXIT:
        CHECK(need(s->thread, r->u.thread_exit.serial, "thread", r));
        for (uint32_t i = 0; i < r->u.thread_exit.n; i++)
            CHECK(need(s->lock, r->u.thread_exit.locks[i], "lock", r));
        break;
    case LG_REC_LOCK:
        CHECK(need(s->stack, r->u.lock.first_stack, "stack", r));
        CHECK(need(s->stack, r->u.lock.class_stack, "stack", r));
        CHECK(define(s->lock, r->u.lock.id, "lock", r));
        break;
    case LG_REC_LOCK_RETIRE:
        CHECK(r->u.retire.id ? need(s->lock, r->u.retire.id, "lock", r)
                           : g_strdup_printf("@%zu: retire of lock 0", r->off));
        CHECK(define(s->retired, r->u.retire.id, "retirement of lock", r));
        break;
    case LG_REC_EDGE:
        CHECK(r->u.edge.from && r->u.edge.to ? NULL
                                             : g_strdup_printf("@%zu: edge with lock 0", r->off));
        CHECK(need(s->lock, r->u.edge.from, "lock", r));
        CHECK(need(s->lock, r->u.edge.to, "lock", r));
        CHECK(define(s->edge, r->u.edge.id, "edge", r));
        break;
    case LG_REC_CHAIN:
        for (uint32_t i = 0; i < r->u.chain.n; i++)
            CHECK(need(s->lock, r->u.chain.locks[i], "lock", r));
        CHECK(define(s->chain, r->u.chain.id, "chain", r));
        break;
    case LG_REC_CONTEXT:
        CHECK(r->u.ctx.edge && r->u.ctx.chain && r->u.ctx.thread
                  ? NULL
                  : g_strdup_printf("@%zu: context without edge, chain or thread", r->off));
        CHECK(need(s->edge, r->u.ctx.edge, "edge", r));
        CHECK(need(s->thread, r->u.ctx.thread, "thread", r));
        CHECK(need(s->chain, r->u.ctx.chain, "chain", r));
        CHECK(need(s->stack, r->u.ctx.stack, "stack", r));
        CHECK(need(s->stack, r->u.ctx.held_stack, "stack", r));
        break;
    case LG_REC_FINDING:
        for (uint32_t i = 0; i < r->u.finding.n; i++) {
            const struct fake_item *it = &r->u.finding.items[i];
            CHECK(need(s->thread, it->thread, "thread", r));
            CHECK(need(s->lock, it->lock, "lock", r));
            CHECK(need(s->lock, it->other, "lock", r));
            CHECK(need(s->stack, it->stack, "stack", r));
            CHECK(need(s->stack, it->other_stack, "stack", r));
        }
        break;
    default:
        break;
    }
    return err;
}

char *fake_log_check(void)
{
    return fake_log_check_buf(fake_log_data(), fake_log_len());
}

char *fake_log_check_buf(const unsigned char *buf, size_t end)
{
    struct idsets s = {
        g_hash_table_new(NULL, NULL), g_hash_table_new(NULL, NULL), g_hash_table_new(NULL, NULL),
        g_hash_table_new(NULL, NULL), g_hash_table_new(NULL, NULL), g_hash_table_new(NULL, NULL),
    };
    char *err = NULL;
    for (size_t off = 0; off < end && !err;) {
        fake_rec r;
        size_t n = decode_rec(buf, off, end - off, &r, &err);
        if (!n)
            break;
        err = check_one(&s, &r);
        rec_clear(&r);
        off += n;
    }
    g_hash_table_unref(s.stack);
    g_hash_table_unref(s.thread);
    g_hash_table_unref(s.lock);
    g_hash_table_unref(s.chain);
    g_hash_table_unref(s.edge);
    g_hash_table_unref(s.retired);
    return err;
}

/* ---- captured reports ------------------------------------------------------------ */

static GPtrArray *reports;

/* host.h rule 3: the view carries what the records say.  The fake checks it against
 * the core's tables (which the real host never reads), then keeps both the view and
 * the finding it describes, in the core's terms, for the tests. */
static void check_stack_view(const struct lg_report_stack *v)
{
    uint32_t n = 0;
    const uintptr_t *pcs = lg_stack_get(v->id, &n);
    g_assert_cmpuint(v->n, ==, n);
    g_assert_true(n == 0 || memcmp(v->pcs, pcs, n * sizeof *pcs) == 0);
}

static struct lg_lockrec *lock_of_view(const struct lg_report_lock *v)
{
    if (!v->id)
        return NULL;
    struct lg_lockrec *l = lg_table_by_id(v->id);
    g_assert_nonnull(l);
    g_assert_cmpuint(v->kind, ==, l->kind);
    g_assert_cmpuint(v->addr, ==, l->addr);
    g_assert_cmpuint(v->first_use.id, ==, l->first_stack);
    check_stack_view(&v->first_use);
    return l;
}

void lg_plat_report(const struct lg_report *f)
{
    probe_core_locks();
    fake_report *r = g_new0(fake_report, 1);
    r->kind = f->kind;
    r->flags = f->flags;
    r->value = f->value;
    r->n = f->n;
    r->detail = f->detail;
    r->view = g_memdup2(f->items, (gsize)f->n * sizeof *f->items);
    r->items = g_new0(struct lg_finding_item, f->n);
    for (uint32_t i = 0; i < f->n; i++) {
        const struct lg_report_item *v = &f->items[i];
        check_stack_view(&v->stack);
        check_stack_view(&v->other_stack);
        r->items[i] = (struct lg_finding_item){
            .thread = v->thread.serial, .lock = lock_of_view(&v->lock),
            .other = lock_of_view(&v->other), .stack = v->stack.id,
            .other_stack = v->other_stack.id, .pc = v->stack.site,
            .other_pc = v->other_stack.site, .mode = v->mode};
    }
    pthread_mutex_lock(&fake_mu);
    if (!reports)
        reports = g_ptr_array_new();
    g_ptr_array_add(reports, r);
    pthread_mutex_unlock(&fake_mu);
}

guint fake_report_count(void)
{
    pthread_mutex_lock(&fake_mu);
    guint n = reports ? reports->len : 0;
    pthread_mutex_unlock(&fake_mu);
    return n;
}

const fake_report *fake_report_at(guint i)
{
    pthread_mutex_lock(&fake_mu);
    g_assert_nonnull(reports);
    g_assert_cmpuint(i, <, reports->len);
    const fake_report *r = g_ptr_array_index(reports, i);
    pthread_mutex_unlock(&fake_mu);
    return r;
}

/* ---- worker threads -------------------------------------------------------------- */

struct fake_worker {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct lg_thread *t;
    void (*fn)(struct lg_thread *, void *);
    void *arg;
    int pending, stop, ready;
};

static void *worker_main(void *p)
{
    fake_worker *w = p;
    struct lg_thread *t = lg_thread_attach(0, 0);
    pthread_mutex_lock(&w->mu);
    w->t = t;
    w->ready = 1;
    pthread_cond_broadcast(&w->cv);
    for (;;) {
        while (!w->pending && !w->stop)
            pthread_cond_wait(&w->cv, &w->mu);
        if (w->pending) {
            pthread_mutex_unlock(&w->mu);
            w->fn(t, w->arg);
            pthread_mutex_lock(&w->mu);
            w->pending = 0;
            pthread_cond_broadcast(&w->cv);
            continue;
        }
        break;
    }
    pthread_mutex_unlock(&w->mu);
    lg_thread_detach(t);
    return NULL;
}

fake_worker *fake_worker_start(void)
{
    fake_worker *w = g_new0(fake_worker, 1);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    g_assert_cmpint(pthread_create(&w->th, NULL, worker_main, w), ==, 0);
    pthread_mutex_lock(&w->mu);
    while (!w->ready)
        pthread_cond_wait(&w->cv, &w->mu);
    pthread_mutex_unlock(&w->mu);
    g_assert_nonnull(w->t);
    return w;
}

uint32_t fake_worker_serial(const fake_worker *w) { return w->t->serial; }
struct lg_thread *fake_worker_thread(const fake_worker *w) { return w->t; }

void fake_worker_run(fake_worker *w, void (*fn)(struct lg_thread *t, void *arg), void *arg)
{
    pthread_mutex_lock(&w->mu);
    w->fn = fn;
    w->arg = arg;
    w->pending = 1;
    pthread_cond_broadcast(&w->cv);
    while (w->pending)
        pthread_cond_wait(&w->cv, &w->mu);
    pthread_mutex_unlock(&w->mu);
}

struct acq_args {
    uintptr_t addr, pc;
    uint8_t kind, mode, flags;
    lg_subkind_fn sub;
    int ret;
};

static void do_acquire(struct lg_thread *t, void *p)
{
    struct acq_args *a = p;
    uintptr_t s[FAKE_FRAMES];
    fake_stack_of(a->pc, s);
    fake_set_stack(s, FAKE_FRAMES);
    lg_acquired(t, a->addr, a->kind, a->sub, a->mode, a->flags, a->pc);
}

static void do_release(struct lg_thread *t, void *p)
{
    struct acq_args *a = p;
    a->ret = lg_released(t, a->addr);
}

void fake_acquire(fake_worker *w, void *lock, uint8_t kind, lg_subkind_fn sub, uint8_t mode,
                  uint8_t ctxflags, uintptr_t pc)
{
    struct acq_args a = {(uintptr_t)lock, pc, kind, mode, ctxflags, sub, 0};
    fake_worker_run(w, do_acquire, &a);
}

void fake_lock(fake_worker *w, void *lock, uintptr_t pc)
{
    fake_acquire(w, lock, LG_KIND_MUTEX, NULL, LG_MODE_EXCL, 0, pc);
}

int fake_unlock(fake_worker *w, void *lock)
{
    struct acq_args a = {.addr = (uintptr_t)lock};
    fake_worker_run(w, do_release, &a);
    return a.ret;
}

void fake_worker_stop(fake_worker *w)
{
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    g_assert_cmpint(pthread_join(w->th, NULL), ==, 0);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    g_free(w);
}
