/* The process's module map (executable, shared libraries, dlopen'ed objects) as
 * the log needs it: path, load address, build-id and PT_LOAD segments.
 *
 * Invariants: entries are only appended (an unloaded module is marked, never
 * removed), so lock-free readers (classification, reporter) see consistent
 * entries; a rescan runs dl_iterate_phdr with no shim lock held (its callback runs
 * under ld.so's lock) and has the core write the MODULE / MODULE_UNLOAD records
 * (lg_rec_module, which takes the graph lock), publishing a module only after its
 * record is in the log.
 */
#ifndef LOCKGRAPH_MODULES_H
#define LOCKGRAPH_MODULES_H

#include <stdint.h>

struct dl_phdr_info;
/* The span [lo, hi) of a loaded object's PT_LOAD segments (lo = UINTPTR_MAX, hi = 0
 * when it has none). */
void lg_module_span(const struct dl_phdr_info *info, uintptr_t *lo, uintptr_t *hi);

void lg_modules_rescan(void);
/* 1 if every pc lies in a known loaded module. */
int lg_modules_cover(const uintptr_t *pcs, int n);
/* Module containing pc: its path and base; NULL if none. */
const char *lg_module_of(uintptr_t pc, uintptr_t *base);
/* Re-emits MODULE records for the loaded modules (fork child's new log; called
 * with the graph lock held). */
void lg_modules_replay(void);
void lg_modules_after_fork(void);

#endif
