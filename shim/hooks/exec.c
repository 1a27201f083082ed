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
#include "../log_writer.h"

#include <stdarg.h>
#include <string.h>
#include <unistd.h>

void lg_exec_prepare(void)
{
    if (!lg_log_is_mine()) /* a vfork/posix_spawn child: the log is the parent's */
        return;
    struct lg_thread *t = lg_hook_enter();
    if (!t)
        return;
    int saved = errno;
    t->busy = 1;
    lg_log_end_image(LG_END_EXEC);
    t->busy = 0;
    errno = saved;
}

/* envp without the shim in its LD_PRELOAD (trace-children=no), in buf. */
static char *const *untraced_env(char *const envp[], char **buf, size_t nbuf, char *pre,
                                 size_t npre)
{
    if (lg_settings.trace_children || !envp)
        return envp;
    size_t k = 0;
    for (size_t i = 0; envp[i] && k + 1 < nbuf; i++) {
        if (strncmp(envp[i], "LD_PRELOAD=", 11) == 0) {
            if (lg_preload_without_shim(envp[i] + 11, pre + 11, npre - 11) == 0)
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

#define ENV_MAX 4096

LG_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
    char *buf[ENV_MAX];
    char pre[4096];
    lg_exec_prepare();
    return REAL(execve)(path, argv, untraced_env(envp, buf, ENV_MAX, pre, sizeof pre));
}

LG_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
    char *buf[ENV_MAX];
    char pre[4096];
    lg_exec_prepare();
    return REAL(execvpe)(file, argv, untraced_env(envp, buf, ENV_MAX, pre, sizeof pre));
}

LG_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
    char *buf[ENV_MAX];
    char pre[4096];
    lg_exec_prepare();
    return REAL(fexecve)(fd, argv, untraced_env(envp, buf, ENV_MAX, pre, sizeof pre));
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

/* The variadic forms: collect the arguments, then behave as execve / execvp. */
#define ARGS_MAX 4096
#define COLLECT(first, ap, argv, n)                                                            \
    do {                                                                                       \
        argv[0] = (char *)(first);                                                             \
        n = 1;                                                                                 \
        while (argv[n - 1] && n < ARGS_MAX)                                                    \
            argv[n++] = va_arg(ap, char *);                                                    \
        argv[ARGS_MAX - 1] = NULL;                                                             \
    } while (0)

LG_EXPORT int execl(const char *path, const char *arg, ...)
{
    char *argv[ARGS_MAX];
    size_t n;
    va_list ap;
    va_start(ap, arg);
    COLLECT(arg, ap, argv, n);
    va_end(ap);
    (void)n;
    lg_exec_prepare();
    return REAL(execv)(path, argv);
}

LG_EXPORT int execlp(const char *file, const char *arg, ...)
{
    char *argv[ARGS_MAX];
    size_t n;
    va_list ap;
    va_start(ap, arg);
    COLLECT(arg, ap, argv, n);
    va_end(ap);
    (void)n;
    lg_exec_prepare();
    return REAL(execvp)(file, argv);
}

LG_EXPORT int execle(const char *path, const char *arg, ...)
{
    char *argv[ARGS_MAX];
    size_t n;
    va_list ap;
    va_start(ap, arg);
    COLLECT(arg, ap, argv, n);
    char *const *envp = va_arg(ap, char *const *);
    va_end(ap);
    (void)n;
    return execve(path, argv, envp);
}
