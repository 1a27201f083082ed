/* Lock class keys: the name a lock has across runs.
 *
 * Invariants
 *  - A key never contains a runtime address, pid or id: two runs of the same
 *    binaries give the same key to the same lock, whatever ASLR did.
 *  - LG_CLASS_STATIC: "<build-id hex>+0x<offset>" (module basename instead of the
 *    build-id when the module has none).
 *  - LG_CLASS_SITE: "site:<16 hex>", a hash of the site stack's frames, each taken
 *    as (module build-id or basename, module-relative offset).
 *  - Anything else (no class information): "instance:<pid>:<lock id>", which on
 *    purpose matches nothing in another run.
 */
#ifndef LOCKGRAPH_CLASS_KEY_H
#define LOCKGRAPH_CLASS_KEY_H

#include "model.h"

/* The key of l in p (newly allocated). */
char *lg_class_key(const lg_process *p, const lg_lock *l);

#endif
