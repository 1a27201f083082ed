/* stdio FILE locks taken explicitly with flockfile (stdio's internal locking does
 * not go through these symbols and is invisible to any preload).  FILE locks are
 * recursive. */
#define _GNU_SOURCE
#include "hook.h"

#include <stdio.h>

LG_EXPORT void flockfile(FILE *f)
{
    struct lg_thread *t = lg_hook_thread();
    if (!t) {
        REAL(flockfile)(f);
        return;
    }
    uintptr_t pc = LG_CALLER_PC();
    if (REAL(ftrylockfile)(f) != 0) {
        struct lg_lockrec *l =
            lg_block_begin(t, LG_ADDR(f), LG_KIND_FILE, lg_recursive_subkind, LG_MODE_EXCL, 0, pc);
        REAL(flockfile)(f);
        lg_block_end(t, l);
    }
    lg_acquired(t, LG_ADDR(f), LG_KIND_FILE, lg_recursive_subkind, LG_MODE_EXCL, 0, pc);
}

LG_EXPORT int ftrylockfile(FILE *f)
{
    struct lg_thread *t = lg_hook_thread();
    int r = REAL(ftrylockfile)(f);
    if (t && r == 0)
        lg_acquired(t, LG_ADDR(f), LG_KIND_FILE, lg_recursive_subkind, LG_MODE_EXCL, LG_CTXF_TRY,
                    LG_CALLER_PC());
    return r;
}

LG_EXPORT void funlockfile(FILE *f)
{
    struct lg_thread *t = lg_hook_thread();
    if (t)
        lg_released(t, LG_ADDR(f));
    REAL(funlockfile)(f);
}
