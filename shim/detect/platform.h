/* What the detection core needs from its host.  The shim implements these with
 * libunwind, clocks, the log writer and the live reporter; unit tests implement
 * them with fakes, which is what keeps the core a plain, testable library.
 *
 * Invariants: the core calls lg_plat_backtrace and lg_plat_report only with no core
 * lock held (both may call into libunwind or ld.so); lg_plat_log may be called with
 * the graph lock held and must not take locks of its own or allocate.
 */
#ifndef LOCKGRAPH_PLATFORM_H
#define LOCKGRAPH_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

struct lg_live_finding;

/* Call sites (return address - 1) of the caller's stack, the shim's own frames
 * removed, innermost first.  Returns the number written (0..max). */
int lg_plat_backtrace(uintptr_t *pcs, int max);
/* The same, with each frame's stack pointer (slower: the slow path uses it only to
 * reconstruct the stacks of held locks). */
int lg_plat_backtrace_sp(uintptr_t *pcs, uintptr_t *sps, int max);
/* The stack slot holding the return address of the frame that contains addr (a
 * lock on the caller's stack), or 0 if no frame of the current stack contains it. */
uintptr_t lg_plat_frame_slot(uintptr_t addr);
uint64_t lg_plat_now(void);         /* CLOCK_MONOTONIC ns, precise */
void lg_plat_log(const void *rec, size_t len);
/* The image's last record (END) has just been written: make the log end there (the
 * shim cuts its file to length).  Called with the graph lock held, like lg_plat_log. */
void lg_plat_log_end(void);
void lg_plat_report(const struct lg_live_finding *f);
/* Class of a lock at addr: LG_CLASS_STATIC with module id and offset when it lies
 * in a loaded module's data, else LG_CLASS_SITE.  may_rescan: the module map may be
 * refreshed first (never with the graph lock held: a rescan takes it). */
int lg_plat_classify(uintptr_t addr, uint32_t *module_id, uint64_t *offset, int may_rescan);

/* The calling thread's stack [lo, hi), or zeros when unknown. */
void lg_plat_stack_bounds(uintptr_t *lo, uintptr_t *hi);

#endif
