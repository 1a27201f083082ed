/* Start-up and shut-down of the shim inside the program, and fork.
 *
 * The story: the constructor reads the settings, resolves the real functions,
 * opens the log and records the module map.  Hooks that run earlier (another
 * library's constructor) call lg_init themselves.  At exit, the destructor writes
 * statistics and the END record but leaves every structure alive: other threads
 * may still be locking while the process winds down.
 */
#define _GNU_SOURCE
#define UNW_LOCAL_ONLY
#include "arena.h"
#include "detector.h"
#include "elf_symbols.h"
#include "fork_log.h"
#include "graph.h"
#include "lock_table.h"
#include "records.h"
#include "log_writer.h"
#include "modules.h"
#include "real.h"
#include "shim.h"
#include "tool_lock.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

int lg_enabled;
static int init_state; /* 0 not started, 1 running, 2 done */
static uintptr_t self_lo, self_hi;

void lg_shim_self_range(uintptr_t *lo, uintptr_t *hi)
{
    *lo = self_lo;
    *hi = self_hi;
}

static int self_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    if (info->dlpi_addr != *(uintptr_t *)arg)
        return 0;
    lg_module_span(info, &self_lo, &self_hi);
    return 1;
}

static void find_self(void)
{
    Dl_info di;
    if (!dladdr((void *)&find_self, &di))
        return;
    uintptr_t base = (uintptr_t)di.dli_fbase;
    dl_iterate_phdr(self_cb, &base);
}

static void make_run_id(void)
{
    if (lg_settings.run_id[0])
        return;
    unsigned char r[16];
    if (getrandom(r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r) {
        uint64_t x = (uint64_t)getpid() * 0x9E3779B97F4A7C15ull ^ (uint64_t)(uintptr_t)&r;
        memcpy(r, &x, 8);
        memcpy(r + 8, &x, 8);
    }
    for (int i = 0; i < 16; i++) {
        lg_settings.run_id[2 * i] = "0123456789abcdef"[r[i] >> 4];
        lg_settings.run_id[2 * i + 1] = "0123456789abcdef"[r[i] & 15];
    }
    lg_settings.run_id[32] = 0;
    /* children of this process belong to the same run */
    setenv("LOCKGRAPH_RUN_ID", lg_settings.run_id, 1);
}

/* LD_PRELOAD value `in` without the shim, into out.  Returns its length (0: empty). */
size_t lg_preload_without_shim(const char *in, char *out, size_t cap)
{
    Dl_info di;
    const char *me = "liblockgraph.so";
    if (dladdr((void *)&lg_preload_without_shim, &di) && di.dli_fname) {
        const char *b = strrchr(di.dli_fname, '/');
        me = b ? b + 1 : di.dli_fname;
    }
    size_t o = 0, melen = strlen(me);
    const char *p = in;
    out[0] = 0;
    while (*p) {
        while (*p == ':' || *p == ' ')
            p++;
        const char *s = p;
        while (*p && *p != ':' && *p != ' ')
            p++;
        size_t len = (size_t)(p - s);
        if (!len)
            continue;
        const char *b = s;
        for (const char *q = s; q < p; q++)
            if (*q == '/')
                b = q + 1;
        if ((size_t)(p - b) == melen && memcmp(b, me, melen) == 0)
            continue;
        if (o + len + 2 >= cap)
            break;
        if (o)
            out[o++] = ':';
        memcpy(out + o, s, len);
        o += len;
        out[o] = 0;
    }
    return o;
}

int lg_image_is_mine(void) { return lg_log_is_mine(); }

void lg_image_ends(int reason) { lg_log_end_image(reason); }

/* --trace-children=no: take ourselves out of LD_PRELOAD so exec'd programs run
 * untraced (fork children are the same image and stay traced). */
static void untrace_children(void)
{
    const char *pre = getenv("LD_PRELOAD");
    char out[4096];
    if (!pre)
        return;
    if (lg_preload_without_shim(pre, out, sizeof out))
        setenv("LD_PRELOAD", out, 1);
    else
        unsetenv("LD_PRELOAD");
}

static void dup_report_fd(void)
{
    /* a private copy: a daemon that closes fd 2 and reuses the number for a data
     * file must not get our reports in it */
    int fd = fcntl(lg_settings.report_fd, F_DUPFD_CLOEXEC, 600);
    if (fd >= 0)
        lg_settings.report_fd = fd;
}

static void atfork_prepare(void);
static void atfork_parent(void);
static void atfork_child(void);

void lg_init(void)
{
    if (__atomic_load_n(&init_state, __ATOMIC_ACQUIRE) != 0)
        return;
    int expected = 0;
    if (!__atomic_compare_exchange_n(&init_state, &expected, 1, 0, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE))
        return; /* another thread (or a re-entry) is initialising: forward meanwhile */
    lg_real_init();
    lg_signals_scan();
    lg_config_read();
    if (dlsym(RTLD_DEFAULT, "__tsan_init")) {
        lg_notice("ThreadSanitizer is in this process: lockgraph steps aside "
                  "(TSan intercepts the same calls)");
        __atomic_store_n(&init_state, 2, __ATOMIC_RELEASE);
        return;
    }
    find_self();
    lg_memory_init();
    make_run_id();
    if (!lg_settings.trace_children)
        untrace_children();
    dup_report_fd();
    lg_suppressions_load();
    lg_plat_unwind_init();
    if (lg_log_open() != 0)
        lg_notice("cannot create the log file (LOCKGRAPH_OUTPUT); recording live reports only");
    lg_modules_rescan();
    pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
    __atomic_store_n(&lg_enabled, 1, __ATOMIC_RELEASE);
    __atomic_store_n(&init_state, 2, __ATOMIC_RELEASE);
}

__attribute__((constructor)) static void lg_ctor(void) { lg_init(); }

__attribute__((destructor)) static void lg_dtor(void)
{
    if (!lg_enabled)
        return;
    struct lg_thread *t = lg_tls_self;
    if (t)
        (void)lg_guard_enter(t); /* never left: whatever runs after us is forwarded untracked */
    lg_log_finish(LG_END_EXIT);
}

/* fork: the child must not inherit a shim lock taken by a thread that does not
 * exist in it, so the parent holds them across fork() and the child resets them.
 * The forking thread's guard is raised from prepare to the end of either handler
 * (the child inherits this thread's copy of fork_guard).  The child's log is not
 * written here: it is created, with the parent's history, when the child first
 * needs it (detect/fork_log.h), so fork costs the same whatever the history's size.
 * The graph lock is taken quietly: a fork child that forks again must not write
 * its own deferred log for that. */
static __thread struct lg_guard fork_guard;

static void atfork_prepare(void)
{
    struct lg_thread *t = lg_tls_self;
    if (t)
        fork_guard = lg_guard_enter(t);
    lg_graph_lock_quiet();
}

static void atfork_parent(void)
{
    lg_graph_unlock();
    struct lg_thread *t = lg_tls_self;
    if (t)
        lg_guard_leave(t, fork_guard);
}

static void atfork_child(void)
{
    struct lg_thread *t = lg_tls_self;
    /* locks other threads may have held at fork (they do not exist here) */
    lg_arena_after_fork();
    lg_plat_after_fork_child();
    lg_reporter_after_fork();
    lg_elf_symbols_after_fork();
    lg_detector_after_fork_child(t);
    lg_modules_after_fork();
    lg_watchdog_after_fork();
    lg_log_fork_child();
    lg_fork_log_defer();
    lg_tool_locks_after_fork_child(); /* last: the handlers above took tool locks */
    if (t)
        lg_guard_leave(t, fork_guard);
}
