/* A fake host for the detection core (shim/detect/host.h), for unit tests of the
 * lockgraph_detector library: controllable stacks, clocks, lock classes and thread
 * stack bounds; the log captured in memory (with a decoder and a whole-log checker)
 * and the live reports captured as copies.  Plus a small harness of worker threads,
 * each attached to the core, that run steps synchronously on behalf of a test, so a
 * test can interleave several "threads" deterministically.
 *
 * The core's state is global and never freed: tests use their own lock addresses
 * (fresh static arrays), and look only at the log and reports produced after a mark.
 */
#ifndef LOCKGRAPH_TEST_FAKE_PLATFORM_H
#define LOCKGRAPH_TEST_FAKE_PLATFORM_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#include "detector.h"
#include "log_format.h"
#include "host.h"
#include "records.h"

/* ---- backtrace ------------------------------------------------------------------ */
/* The stack lg_plat_backtrace returns from now on (innermost first, copied). */
void fake_set_stack(const uintptr_t *pcs, int n);
/* The fake stack this harness uses for an acquisition at pc: 3 frames derived from pc. */
#define FAKE_FRAMES 3
void fake_stack_of(uintptr_t pc, uintptr_t out[FAKE_FRAMES]);
unsigned fake_backtrace_calls(void);
/* Of those, the full-stack captures (lg_plat_backtrace; not the held-stack walks). */
unsigned fake_capture_calls(void);
/* 1 if interned stack `id` is exactly pcs[0..n). */
int fake_stack_is(uint32_t id, const uintptr_t *pcs, uint32_t n);
/* 1 if interned stack `id` is fake_stack_of(pc). */
int fake_stack_is_of(uint32_t id, uintptr_t pc);

/* ---- host.h rule 1: "lg_plat_backtrace and lg_plat_report only with no core lock held" */
/* While on, every lg_plat_backtrace / lg_plat_report call checks from another thread
 * that the graph lock and the lock table's lock are free (table_addr: a live lock
 * address, used to take the table lock; NULL to skip that one). */
void fake_probe_core_locks(int on, const void *table_addr);
unsigned fake_probe_calls(void);
unsigned fake_probe_violations(void);

/* ---- clocks ------------------------------------------------------------------- */
/* lg_plat_now (and lg_plat_now_coarse, for cores whose host.h still has it)
 * return this clock. */
uint64_t lg_plat_now_coarse(void);
void fake_clock_set(uint64_t ns);
void fake_clock_advance(uint64_t ns);

/* ---- the deadlock policy ------------------------------------------------------ */
/* lg_deadlock_policy only counts its calls here (the process goes on). */
unsigned fake_deadlock_policy_calls(void);

/* ---- thread identity ----------------------------------------------------------- */
/* What lg_plat_gettid and lg_plat_thread_name return from now on, in every thread
 * (the core reads them when a thread attaches or detaches): tid 0 and name NULL
 * give the real ones back. */
void fake_set_thread_identity(uint32_t tid, const char *name);

/* ---- classification and stack bounds ------------------------------------------ */
/* Addresses in [lo, hi) are LG_CLASS_STATIC in `module` (offset = addr - lo). */
void fake_add_static_range(uintptr_t lo, uintptr_t hi, uint32_t module);
/* What lg_plat_stack_bounds returns (to threads attached afterwards). */
void fake_set_stack_bounds(uintptr_t lo, uintptr_t hi);
/* From now on, each thread attached gets its real stack (pthread_getattr_np). */
void fake_set_real_stack_bounds(void);
/* lg_plat_unwind_room's answer (1 by default): 0 makes every capture keep only the
 * call site, marked cut, as on a thread with a tiny stack. */
void fake_set_unwind_room(int room);

/* ---- captured log --------------------------------------------------------------- */
size_t fake_log_len(void);
const unsigned char *fake_log_data(void);
/* fake_log_len() when the core last called lg_plat_log_end (SIZE_MAX: never). */
size_t fake_log_cut_at(void);
/* How often the core asked for a fork child's log (lg_plat_log_create_forked). */
unsigned fake_log_forked_creations(void);

typedef struct fake_rec {
    uint16_t type;
    size_t off; /* of the record header in the log */
    union {
        struct { uint32_t id, n; uintptr_t *pcs; } stack;
        struct { uint32_t serial, tid, creator, create_stack; } thread;
        struct { uint32_t serial, n; uint64_t *locks; } thread_exit;
        struct { uint64_t id, addr; uint32_t gen; uint8_t kind, subkind; uint16_t flags;
                 uint32_t first_stack; uint8_t class_type; uint32_t module;
                 uint64_t offset; uint32_t class_stack; } lock;
        struct { uint64_t id; uint8_t reason; } retire;
        struct { uint32_t id; uint64_t from, to; } edge;
        struct { uint32_t id, n; uint64_t *locks; uint8_t *modes; } chain;
        struct { uint32_t edge, thread, chain; uint8_t from_mode, to_mode; uint16_t flags;
                 uint32_t stack, held_stack; } ctx;
        struct { uint8_t kind; uint16_t flags; uint64_t value; uint32_t n;
                 struct fake_item { uint32_t thread; uint64_t lock, other;
                                    uint32_t stack, other_stack; uint8_t mode; } *items; } finding;
        struct { uint64_t value[LG_LOSS_COUNTER_MAX + 1]; } losses; /* by lg_loss_counter */
    } u;
} fake_rec;

/* Decodes every record from offset `from` (a value of fake_log_len()) to the end.
 * Fails the test on a framing or decoding error. Free with g_array_unref. */
GArray *fake_log_records(size_t from);
/* The same over another buffer holding records [from, end). */
GArray *fake_log_records_buf(const unsigned char *buf, size_t from, size_t end);
/* Records of `type` from `from` on. */
guint fake_log_count(size_t from, uint16_t type);
/* Checks the whole log written so far: framing, CRC, every payload decodes exactly
 * (no `bad`, nothing left over), ids defined once and before any use.  Returns NULL
 * or a description of the first problem (g_free it). */
char *fake_log_check(void);
char *fake_log_check_buf(const unsigned char *buf, size_t len);
/* Between these, lg_plat_log writes into a separate buffer (e.g. a replay into a
 * fresh log), returned by _end (valid until the next _begin). */
void fake_log_capture_begin(void);
const unsigned char *fake_log_capture_end(size_t *len);
/* What a fork child's log would start with: lg_detector_replay under the graph
 * lock, captured as above. */
const unsigned char *fake_log_replay(size_t *len);
#define fake_assert_log_valid()                                                        \
    do {                                                                               \
        char *lg_err_ = fake_log_check();                                              \
        g_assert_cmpstr(lg_err_, ==, NULL);                                            \
    } while (0)

/* ---- captured reports ------------------------------------------------------------ */
/* Each report is checked against the core's tables on arrival (its stacks, its
 * locks' id/kind/address/first use). */
typedef struct fake_report {
    uint8_t kind;
    uint16_t flags;
    uint64_t value;
    uint32_t n;
    const char *detail;
    /* the finding in the core's terms, rebuilt from the view (lock pointers stay
     * valid: records are never freed; pc/other_pc: the view's one-frame sites) */
    struct lg_finding_item *items;
    struct lg_report_item *view; /* what the host received (copies) */
} fake_report;
guint fake_report_count(void);
const fake_report *fake_report_at(guint i);

/* ---- worker threads -------------------------------------------------------------- */
typedef struct fake_worker fake_worker;
/* A real pthread that attaches to the core (lg_thread_attach) and waits for steps. */
fake_worker *fake_worker_start(void);
uint32_t fake_worker_serial(const fake_worker *w);
struct lg_thread *fake_worker_thread(const fake_worker *w);
/* Runs fn(t, arg) in the worker's thread, t its lg_thread; returns when done. */
void fake_worker_run(fake_worker *w, void (*fn)(struct lg_thread *t, void *arg), void *arg);
/* Acquire / release in the worker.  The fake stack is fake_stack_of(pc). */
void fake_acquire(fake_worker *w, void *lock, uint8_t kind, lg_subkind_fn sub, uint8_t mode,
                  uint8_t ctxflags, uintptr_t pc);
void fake_lock(fake_worker *w, void *lock, uintptr_t pc); /* mutex, EXCL, blocking */
int fake_unlock(fake_worker *w, void *lock);
/* Detaches (THREAD_EXIT) and joins. */
void fake_worker_stop(fake_worker *w);

/* The return-address slot lg_plat_frame_slot reports for stack-resident locks. */
void fake_set_frame_slot(uintptr_t slot);

#endif
