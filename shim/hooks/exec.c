/* The exec family: the image that calls exec ends, so its log gets statistics and
 * an END record (reason exec) first; the new image writes a log of its own.  With
 * --trace-children=no the shim took itself out of LD_PRELOAD at start-up, but a
 * program may pass an environment of its own to execve: it is filtered too.
 *
 * glibc's execl*, execvp* and friends reach execve internally, where no hook sees
 * it, so each entry point has its own hook.  A vfork or posix_spawn child shares the
 * parent's memory and log; it writes nothing (lg_exec_prepare checks the pid).
 *
 * Never silently blind: a program the shim cannot enter (statically linked: no
 * PT_INTERP, so no dynamic loader reads LD_PRELOAD; setuid/setgid to another user
 * or group: the loader runs in secure mode and ignores it) is named live ("PATH was
 * not traced: statically linked") and in an UNTRACED record before END(exec), so
 * `lockgraph report` and `lockgraph run --error-exitcode` say it too.  The check
 * reads the file's ELF and program headers with plain system calls into stack
 * buffers: exec may follow a fork of a multithreaded program, where only
 * async-signal-safe calls are allowed.  execvp and friends search PATH as glibc
 * does (first executable candidate).  A script is fine: its interpreter is exec'd
 * through the loader, and the check applies to it in turn when it execs.  If the
 * exec then fails, the record stays (as END(exec) does). */
#define _GNU_SOURCE
#include "hook.h"

#include "records.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define EXEC_PATH_MAX 1024 /* longer paths are not checked (stack: exec runs on small ones) */

/* The program file open at fd: LG_UNTRACED_* when
 * the shim cannot enter it, 0 when it can or this cannot tell. */
static int untraced_reason_fd(int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    if (((st.st_mode & S_ISUID) && st.st_uid != getuid()) ||
        ((st.st_mode & S_ISGID) && st.st_gid != getgid()))
        return LG_UNTRACED_SETID;
    ElfW(Ehdr) eh;
    if (pread(fd, &eh, sizeof eh, 0) != (ssize_t)sizeof eh || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
        eh.e_ident[EI_CLASS] != (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32) ||
        (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) || eh.e_phentsize != sizeof(ElfW(Phdr)))
        return 0; /* a script, or something the kernel or loader will refuse anyway */
    ElfW(Phdr) ph[8];
    for (unsigned i = 0; i < eh.e_phnum; i += 8) {
        unsigned n = eh.e_phnum - i < 8 ? eh.e_phnum - i : 8;
        if (pread(fd, ph, n * sizeof ph[0], (off_t)(eh.e_phoff + i * sizeof ph[0])) !=
            (ssize_t)(n * sizeof ph[0]))
            return 0;
        for (unsigned k = 0; k < n; k++)
            if (ph[k].p_type == PT_INTERP)
                return 0;
    }
    return LG_UNTRACED_STATIC;
}

/* The dynamic loader run as a program (ld.so PROG) has no PT_INTERP either, and
 * does honour LD_PRELOAD. */
static int is_loader(const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    return strncmp(b, "ld-linux", 8) == 0 || strncmp(b, "ld.so", 5) == 0 ||
           strncmp(b, "ld64.so", 7) == 0;
}

static int untraced_reason(const char *path)
{
    if (is_loader(path))
        return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    int r = untraced_reason_fd(fd);
    close(fd);
    return r;
}

static size_t cat(char *out, size_t at, size_t cap, const char *s, size_t n)
{
    if (at + n >= cap)
        n = at < cap - 1 ? cap - 1 - at : 0;
    memcpy(out + at, s, n);
    out[at + n] = 0;
    return at + n;
}

/* What execvp(file) will run, into out: file itself if it names a path, else the
 * first executable dir/file along PATH (glibc's default path when PATH is unset).
 * 0 when nothing fits or is found. */
static int search_path(const char *file, char *out, size_t cap)
{
    if (strchr(file, '/')) {
        size_t n = strlen(file);
        if (n >= cap)
            return 0;
        memcpy(out, file, n + 1);
        return 1;
    }
    const char *p = getenv("PATH");
    if (!p)
        p = "/bin:/usr/bin";
    size_t fn = strlen(file);
    for (;;) {
        const char *end = strchr(p, ':');
        size_t dn = end ? (size_t)(end - p) : strlen(p);
        if (dn + 1 + fn < cap) {
            size_t at = dn ? cat(out, 0, cap, p, dn) : cat(out, 0, cap, ".", 1);
            at = cat(out, at, cap, "/", 1);
            cat(out, at, cap, file, fn);
            if (access(out, X_OK) == 0)
                return 1;
        }
        if (!end)
            return 0;
        p = end + 1;
    }
}

/* The target of an exec, when the shim will not be in it: said live and logged. */
static void check_target(const char *target, int search, int fd)
{
    if (!lg_settings.trace_children) /* untraced children were asked for */
        return;
    char path[EXEC_PATH_MAX];
    int reason = 0;
    if (fd >= 0) {
        char link[32] = "/proc/self/fd/";
        char digits[12];
        int nd = 0;
        for (unsigned v = (unsigned)fd; nd == 0 || v; v /= 10)
            digits[nd++] = (char)('0' + v % 10);
        size_t at = strlen(link);
        while (nd)
            link[at++] = digits[--nd];
        link[at] = 0;
        ssize_t n = readlink(link, path, sizeof path - 1);
        if (n <= 0)
            cat(path, 0, sizeof path, link, at);
        else
            path[n] = 0;
        reason = untraced_reason_fd(fd);
    } else if (target && (search ? search_path(target, path, sizeof path)
                                 : cat(path, 0, sizeof path, target, strlen(target)) ==
                                       strlen(target))) {
        reason = untraced_reason(path);
    }
    if (!reason)
        return;
    char msg[EXEC_PATH_MAX + 96];
    size_t at = cat(msg, 0, sizeof msg, path, strlen(path));
    const char *why = reason == LG_UNTRACED_STATIC
                          ? " was not traced: statically linked"
                          : " was not traced: setuid/setgid, the loader ignores LD_PRELOAD";
    cat(msg, at, sizeof msg, why, strlen(why));
    lg_notice(msg);
    lg_rec_untraced(reason, path);
}

/* target/search/fd: what will be exec'd (search: along PATH; fd: fexecve's). */
static void lg_exec_prepare(const char *target, int search, int fd)
{
    if (!lg_image_is_mine()) /* a vfork/posix_spawn child: the log is the parent's */
        return;
    struct lg_thread *t = lg_hook_thread();
    if (!t)
        return;
    struct lg_guard g = lg_guard_enter(t);
    check_target(target, search, fd);
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
    lg_exec_prepare(path, 0, -1);
    return REAL(execve)(path, argv, untraced_env(envp));
}

LG_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
    lg_exec_prepare(file, 1, -1);
    return REAL(execvpe)(file, argv, untraced_env(envp));
}

LG_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
    lg_exec_prepare(NULL, 0, fd);
    return REAL(fexecve)(fd, argv, untraced_env(envp));
}

LG_EXPORT int execv(const char *path, char *const argv[])
{
    lg_exec_prepare(path, 0, -1);
    return REAL(execv)(path, argv);
}

LG_EXPORT int execvp(const char *file, char *const argv[])
{
    lg_exec_prepare(file, 1, -1);
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
    lg_exec_prepare(target, what == L_EXECVP, -1);
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
