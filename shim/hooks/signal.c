/* sigaction, signal, sysv_signal, bsd_signal and sigset: only observed, never changed.  A
 * program that installs a handler of its own makes the shim block asynchronous
 * signals while it holds one of its tool locks (detect/tool_lock.h says why: a
 * handler blocking on an application lock must never wait, through another thread,
 * for a tool lock its own thread holds).  Handlers installed before the shim's
 * constructor ran, or by a raw rt_sigaction system call before it, are found by
 * lg_signals_scan at start-up; one installed by a raw system call later is not
 * seen (docs/shim.md "Limits"). */
#define _GNU_SOURCE
#include "hook.h"
#include "tool_lock.h"

#include <signal.h>

static void note(void (*h)(int), int siginfo)
{
    if (siginfo || (h != SIG_DFL && h != SIG_IGN && h != SIG_ERR))
        lg_tool_lock_note_handler();
}

LG_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
    if (!lg_real.sigaction)
        lg_real_init();
    int r = lg_real.sigaction ? lg_real.sigaction(sig, act, old) : (errno = ENOSYS, -1);
    if (r == 0 && act)
        note(act->sa_handler, (act->sa_flags & SA_SIGINFO) != 0);
    return r;
}

#define SIGNAL_HOOK(name)                                                    \
    LG_EXPORT sighandler_t name(int sig, sighandler_t h)                     \
    {                                                                        \
        if (!lg_real.name)                                                   \
            lg_real_init();                                                  \
        if (!lg_real.name) {                                                 \
            errno = ENOSYS;                                                  \
            return SIG_ERR;                                                  \
        }                                                                    \
        sighandler_t r = lg_real.name(sig, h);                               \
        if (r != SIG_ERR)                                                    \
            note(h, 0);                                                      \
        return r;                                                            \
    }
SIGNAL_HOOK(signal)
SIGNAL_HOOK(sysv_signal)
SIGNAL_HOOK(bsd_signal)

/* System V's sigset: SIG_HOLD only blocks the signal, it installs nothing */
LG_EXPORT sighandler_t sigset(int sig, sighandler_t h)
{
    if (!lg_real.sigset)
        lg_real_init();
    if (!lg_real.sigset) {
        errno = ENOSYS;
        return SIG_ERR;
    }
    sighandler_t r = lg_real.sigset(sig, h);
    if (r != SIG_ERR && h != SIG_HOLD)
        note(h, 0);
    return r;
}

void lg_signals_scan(void)
{
    if (!lg_real.sigaction)
        return;
    for (int sig = 1; sig < NSIG; sig++) {
        struct sigaction sa;
        if (lg_real.sigaction(sig, NULL, &sa) == 0)
            note(sa.sa_handler, (sa.sa_flags & SA_SIGINFO) != 0);
    }
}
