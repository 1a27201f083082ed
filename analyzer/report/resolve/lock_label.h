/* How a lock is named in reports.
 * Invariant: a name comes only from a symbol (a static lock's ELF/DWARF symbol);
 * the label falls back to the init site (a heap or stack lock made by a hooked
 * *_init), or the first-use site, then to the kind and address. */
#ifndef LOCKGRAPH_LOCK_LABEL_H
#define LOCKGRAPH_LOCK_LABEL_H

#include "model.h"

/* Name of a static lock: its DWARF path (`m[1]`, `s[2].lk`), else its ELF symbol and
 * offset (`m+0x28`); NULL for other locks (newly allocated). */
char *lg_lock_name(const lg_process *p, const lg_lock *l);
/* 1 when a heap or stack lock's class (and so its name) is the stack of its init
 * call (LOCK.flags LG_LOCKF_INIT_SITE), 0 when it is its first use's or it is static. */
int lg_lock_from_init(const lg_lock *l);
/* Always a short human label (newly allocated): the symbol of a static lock, else
 * "KIND 0xADDR initialized in F (file:line)" or "... first used in F (file:line)". */
char *lg_lock_label(const lg_process *p, const lg_lock *l);

#endif
