/* _exit and _Exit: a normal end that skips destructors (shells, daemons, fork
 * children do it), so the log gets its statistics, END record and final length
 * here.  exit() reaches glibc's _exit internally, after the shim's destructor has
 * done the same; a vfork child (sharing the parent's log) writes nothing; a thread
 * inside the shim (a signal handler calling _exit) skips it rather than wait on the
 * shim's own lock. */
#define _GNU_SOURCE
#include "hook.h"

#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static void finish(void)
{
    /* a vfork child shares this thread's state with its parent: touch nothing */
    if (!lg_image_is_mine())
        return;
    struct lg_thread *t = lg_hook_thread();
    if (!t)
        return;
    (void)lg_guard_enter(t); /* never left: the process ends */
    lg_image_ends(LG_END_EXIT);
}

/* The process ends here whatever happened to the shim's state. */
static void __attribute__((noreturn)) end(void (*real)(int), int status)
{
    if (real)
        real(status);
    for (;;)
        syscall(SYS_exit_group, status);
}

LG_EXPORT void _exit(int status)
{
    finish();
    end(REAL(_exit), status);
}

LG_EXPORT void _Exit(int status)
{
    finish();
    end(REAL(_Exit), status);
}
