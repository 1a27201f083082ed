/* Memory for the detector's state: anonymous mmap, never malloc.
 *
 * Invariants
 *  - Nothing allocated here is ever freed or unmapped: threads may still read state
 *    while the process exits, and lock-free readers may hold pointers into old
 *    tables.  (Retired hash tables are given back with lg_discard, which keeps the
 *    mapping valid but zero, so a late reader sees "not found" and takes the slow
 *    path.)
 *  - lg_arena_alloc is lock-free except when a new chunk is needed; it is safe from
 *    any thread and returns zeroed, 16-byte aligned memory, or NULL when the kernel
 *    refuses memory (callers degrade: the lock or edge goes untracked).
 */
#ifndef LOCKGRAPH_ARENA_H
#define LOCKGRAPH_ARENA_H

#include <stddef.h>

void *lg_arena_alloc(size_t size);
void *lg_map(size_t size);               /* a fresh zeroed mapping, or NULL */
void lg_discard(void *p, size_t size);   /* contents become zero, mapping stays */
/* Gives back a mapping of lg_map that nobody else can reach any more (an ended
 * thread's own chain set): the one exception to "never unmapped". */
void lg_unmap(void *p, size_t size);
void lg_arena_after_fork(void);          /* fork child: the growth lock is void */

#endif
