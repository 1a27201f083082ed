/* How a lock is named in reports.
 * Invariant: a name comes only from a symbol (a static lock's ELF/DWARF symbol);
 * the label falls back to the first-use site, then to the kind and address. */
#ifndef LOCKGRAPH_LOCK_LABEL_H
#define LOCKGRAPH_LOCK_LABEL_H

#include "model.h"

/* Name of a static lock: its DWARF path (`m[1]`, `s[2].lk`), else its ELF symbol and
 * offset (`m+0x28`); NULL for other locks (newly allocated). */
char *lg_lock_name(const lg_process *p, const lg_lock *l);
/* Always a short human label (newly allocated). */
char *lg_lock_label(const lg_process *p, const lg_lock *l);

#endif
