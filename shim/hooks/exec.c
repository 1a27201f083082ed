/* The exec family: the image that calls exec ends, so its log gets statistics and
 * an END record (reason exec) first; the new image writes a log of its own.  With
 * --trace-children=no the shim took itself out of LD_PRELOAD at start-up, but a
 * program may pass an environment of its own to execve: it is filtered too.
 *
 * glibc's execl*, execvp* and friends reach execve internally, where no hook sees
 * it, so each entry point has its own hook.  A vfork or posix_spawn child shares the
 * parent's memory and log; it writes nothing (lg_exec_prepare checks the pid). */
#define _GNU_SOURCE
#include "hook.h"

#include <stdarg.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void lg_exec_prepare(void)
{
    if (!lg_image_is_mine()) /* a vfork/posix_spawn child: the log is the parent's */
        return;
    struct lg_thread *t = lg_hook_thread();
    if (!t)
        return;
    struct lg_guard g = lg_guard_enter(t);
    lg_image_ends(LG_END_EXEC);
    lg_guard_leave(t, g);
}

/* envp without the shim in its LD_PRELOAD (trace-children=no).  The copy lives in a
 * fresh mapping, not on the caller's stack: exec is called from small stacks
 * (vfork and clone children); the process image is about to go anyway. */
static char *const *untraced_env(char *const envp[])
{
    if (lg_settings.trace_children || !envp)
        return envp;
    size_t n = 0;
    while (envp[n])
        n++;
    size_t pre_cap = 4096;
    char **buf = mmap(NULL, (n + 1) * sizeof *buf + pre_cap, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED)
        return envp;
    char *pre = (char *)(buf + n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (strncmp(envp[i], "LD_PRELOAD=", 11) == 0) {
            if (lg_preload_without_shim(envp[i] + 11, pre + 11, pre_cap - 11) == 0)
                continue; /* nothing left */
            memcpy(pre, "LD_PRELOAD=", 11);
            buf[k++] = pre;
            continue;
        }
        buf[k++] = envp[i];
    }
    buf[k] = NULL;
    return buf;
}

LG_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
    lg_exec_prepare();
    return REAL(execve)(path, argv, untraced_env(envp));
}

LG_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
    lg_exec_prepare();
    return REAL(execvpe)(file, argv, untraced_env(envp));
}

LG_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
    lg_exec_prepare();
    return REAL(fexecve)(fd, argv, untraced_env(envp));
}

LG_EXPORT int execv(const char *path, char *const argv[])
{
    lg_exec_prepare();
    return REAL(execv)(path, argv);
}

LG_EXPORT int execvp(const char *file, char *const argv[])
{
    lg_exec_prepare();
    return REAL(execvp)(file, argv);
}

/* The variadic forms: their arguments are collected into an array of exactly their
 * count (not a fixed, stack-hungry one), then they behave as execv / execvp /
 * execve.  `what` picks the call; execle's environment follows the list. */
enum list_exec { L_EXECV, L_EXECVP, L_EXECVE };

static int exec_list(enum list_exec what, const char *target, const char *arg, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    size_t n = 1;
    if (arg)
        while (va_arg(cp, char *))
            n++;
    va_end(cp);
    char *argv[n + 1];
    argv[0] = (char *)arg;
    for (size_t i = 1; i <= n; i++)
        argv[i] = arg ? va_arg(ap, char *) : NULL; /* ends with the list's NULL */
    argv[n] = NULL;
    if (what == L_EXECVE) {
        char *const *envp = va_arg(ap, char *const *);
        return execve(target, argv, envp);
    }
    lg_exec_prepare();
    return what == L_EXECVP ? REAL(execvp)(target, argv) : REAL(execv)(target, argv);
}

LG_EXPORT int execl(const char *path, const char *arg, ...)
{
    va_list ap;
    va_start(ap, arg);
    int r = exec_list(L_EXECV, path, arg, ap);
    va_end(ap);
    return r;
}

LG_EXPORT int execlp(const char *file, const char *arg, ...)
{
    va_list ap;
    va_start(ap, arg);
    int r = exec_list(L_EXECVP, file, arg, ap);
    va_end(ap);
    return r;
}

LG_EXPORT int execle(const char *path, const char *arg, ...)
{
    va_list ap;
    va_start(ap, arg);
    int r = exec_list(L_EXECVE, path, arg, ap);
    va_end(ap);
    return r;
}
