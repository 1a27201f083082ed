/* A stack walker of its own for x86-64: the loaded modules' .eh_frame_hdr tables,
 * found with glibc's _dl_find_object (2.35+), and a process-wide cache of the
 * unwind rule of every code address it has walked through.
 *
 * Why: libgcc's _Unwind_Backtrace re-reads and re-runs the call frame information
 * of every frame of every walk (~1 us a frame here); libunwind caches, but takes
 * signal-mask system calls on a miss.  The code paths of a program are few, so the
 * rule of a return address, once found, is found again by one probe of the cache:
 * a warm walk costs a probe and two stack reads a frame (docs/shim.md "Stack
 * capture" has the measurements).
 *
 * Owns: the rule cache, a fixed array in .bss (4 096 slots of 16 bytes in buckets
 * of two; pages are touched only as slots are used).  No allocation, no lock, no system call:
 * safe in a signal handler and after fork.
 *
 * What it walks: frames whose canonical frame address (CFA) is the stack pointer
 * or the frame pointer plus a constant, whose return address is saved just below
 * the CFA, and whose frame pointer is saved (if at all) at a constant offset from
 * it: what GCC and Clang emit for C and C++ on x86-64.  Anything else (a signal
 * frame, a DWARF expression, a CFA in another register as stack realignment makes,
 * a frame without unwind information, a stack other than [lo, hi)) makes the walk
 * return -1, and the caller uses a general unwinder for the whole stack.
 *
 * Invariants:
 *  - every stack read lies in [lo, hi), the caller's stack, and CFAs grow strictly:
 *    a corrupt stack or a wrong rule gives a short or wrong walk, never a fault;
 *  - unwind tables are read only for addresses _dl_find_object maps to a loaded
 *    object;
 *  - a cached rule belongs to the code it was read for: the cache is bypassed
 *    during, and emptied after, every dlclose (lg_eh_unload_begin/end), since the
 *    next library may reuse the addresses.  A slot's two words are written without
 *    a lock; the key word is the address xor the rule word, and a reader takes a
 *    slot only if the rule word reads the same before and after the key, the two
 *    give back its address, and the rule carries the address's check byte: a slot
 *    caught half-written, or left mixed by two writers, reads as a miss.
 * Complexity: a cached frame O(1); a miss O(log F) for the module's F table
 * entries plus the length of the frame's CIE and FDE programs. */
#ifndef LOCKGRAPH_EH_UNWIND_H
#define LOCKGRAPH_EH_UNWIND_H

#include <stdint.h>

/* Called once per frame, innermost first, starting with lg_eh_walk's caller:
 *   ra:  the address the frame resumes at (its call site + 1)
 *   sp:  the frame's stack pointer at that call (its callee's CFA)
 *   cfa: the frame's own CFA (its caller's stack pointer at the call)
 *   fn:  the start of the function it runs
 * Return non-zero to end the walk. */
typedef int (*lg_eh_visit_fn)(void *arg, uintptr_t ra, uintptr_t sp, uintptr_t cfa, uintptr_t fn);

/* Walks the calling thread's stack, which lies in [lo, hi).  Returns 0 when the
 * walk ended (outermost frame, max_frames visits, or the visitor asked), -1 when a
 * frame is beyond this walker: the visitor may have seen some frames, and the
 * caller should forget them and use a general unwinder. */
int lg_eh_walk(uintptr_t lo, uintptr_t hi, int max_frames, lg_eh_visit_fn visit, void *arg);

/* Looks up glibc's _dl_find_object (2.35+); until then, or without it, every walk
 * returns -1.  Called once at start-up. */
void lg_eh_init(void);

/* Forgets every cached rule. */
void lg_eh_flush(void);
/* Around a dlclose: from begin to end no rule is read from or put into the cache,
 * and end flushes it (the next library may be mapped at the freed addresses as
 * soon as the loader lets go of its lock, before the flush). */
void lg_eh_unload_begin(void);
void lg_eh_unload_end(void);

/* The cache bucket a return address falls in (2 slots each), for tests. */
unsigned lg_eh_bucket(uintptr_t pc);

/* The calling thread's walk statistics (rules found in the cache, rules read from
 * the tables, walks given up with -1), for tests and benchmarks. */
struct lg_eh_stats {
    uint64_t hits, misses, fallbacks;
};
void lg_eh_stats(struct lg_eh_stats *s);

#endif
