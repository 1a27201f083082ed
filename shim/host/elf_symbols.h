/* Function names for live reports, from the ELF symbol tables of the modules on
 * disk (.symtab when present, else .dynsym): dladdr only knows exported symbols,
 * which leaves static functions and most of an executable nameless.
 *
 * Invariants: runs only on report paths (never in a hook's steady state); a file
 * is mapped read-only once and kept; nothing is allocated with malloc, and no shim
 * lock is held while a file is opened or mapped.
 */
#ifndef LOCKGRAPH_ELF_SYMBOLS_H
#define LOCKGRAPH_ELF_SYMBOLS_H

#include <stdint.h>

/* Name of the function containing pc (a call site in a loaded module), with the
 * offset of pc + 1 (the return address) from its start, or NULL. */
const char *lg_elf_function(uintptr_t pc, uintptr_t *offset);

/* Name of the global object (data symbol) containing addr, and addr's offset in it. */
const char *lg_elf_object(uintptr_t addr, uintptr_t *offset);

void lg_elf_symbols_after_fork(void);

#endif
