/* The host side of detect/host.h: clocks, thread identity, stacks and thread bounds. */
#define _GNU_SOURCE
#define UNW_LOCAL_ONLY
#include "host.h"
#include "modules.h"
#include "shim.h"

#include <libunwind.h>
#include <unwind.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <pthread.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

uint64_t lg_plat_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint32_t lg_plat_gettid(void) { return (uint32_t)syscall(SYS_gettid); }

void lg_plat_thread_name(char *name, size_t cap)
{
    char buf[16] = ""; /* PR_GET_NAME writes up to 16 bytes */
    if (!cap)
        return;
    prctl(PR_GET_NAME, buf, 0, 0, 0);
    buf[sizeof buf - 1] = 0;
    size_t n = strlen(buf);
    if (n >= cap)
        n = cap - 1;
    memcpy(name, buf, n);
    name[n] = 0;
}

void lg_plat_stack_bounds(uintptr_t *lo, uintptr_t *hi)
{
    pthread_attr_t a;
    void *base;
    size_t size;
    *lo = *hi = 0;
    if (pthread_getattr_np(pthread_self(), &a) != 0)
        return;
    if (pthread_attr_getstack(&a, &base, &size) == 0) {
        *lo = (uintptr_t)base;
        *hi = (uintptr_t)base + size;
    }
    pthread_attr_destroy(&a);
}

/* ---- unwinding --------------------------------------------------------------------
 * Two unwinders, chosen by measurement (docs/shim.md "Stack capture"):
 *  - libunwind's unw_backtrace, for full stacks: its per-thread trace cache makes a
 *    warm capture ~0.9 us with no system call (sigprocmask only on a cache miss,
 *    around ld.so's dl_iterate_phdr).  But libunwind validates memory through a
 *    private pipe (opened at its init, read and written on every validated access,
 *    and closed and re-made if a read fails), so a program that closes every
 *    descriptor and reuses the numbers would have libunwind read, write or close
 *    the program's own files.  The pipe is therefore identified once at init
 *    (unwind_init) and checked (fstat, device and inode of both ends) before every
 *    use; once it is gone, libunwind is never called again in this process.
 *  - libgcc's _Unwind_Backtrace (the unwinder of C++ exceptions, loaded by every
 *    C++ program), for everything else: no descriptor, no signal mask, no cache
 *    (~1 us a frame), and it gives each frame's CFA and function start, which the
 *    held-stack check needs.  It is looked up in libgcc_s itself: libunwind.so
 *    exports unversioned _Unwind_* of its own, which are far slower (~20 us a
 *    frame through unw_step) and use the pipe. */

typedef int (*unwind_backtrace_fn)(_Unwind_Trace_Fn, void *);
typedef uintptr_t (*unwind_get_fn)(struct _Unwind_Context *);
typedef uintptr_t (*unwind_get_ipinfo_fn)(struct _Unwind_Context *, int *);
typedef void *(*unwind_enclosing_fn)(void *);

static struct {
    unwind_backtrace_fn backtrace;
    unwind_get_fn cfa, region_start;
    unwind_get_ipinfo_fn ipinfo;
    unwind_enclosing_fn enclosing;
} gcc;

static int unw_pipe[2] = {-1, -1};
static dev_t unw_dev;
static ino_t unw_ino;
static _Atomic int unw_usable;

static int is_unw_pipe_end(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode) && st.st_dev == unw_dev &&
           st.st_ino == unw_ino;
}

void lg_plat_unwind_init(void)
{
    void *h = dlopen("libgcc_s.so.1", RTLD_NOW | RTLD_LOCAL);
    if (h) {
        gcc.backtrace = (unwind_backtrace_fn)dlsym(h, "_Unwind_Backtrace");
        gcc.cfa = (unwind_get_fn)dlsym(h, "_Unwind_GetCFA");
        gcc.region_start = (unwind_get_fn)dlsym(h, "_Unwind_GetRegionStart");
        gcc.ipinfo = (unwind_get_ipinfo_fn)dlsym(h, "_Unwind_GetIPInfo");
        gcc.enclosing = (unwind_enclosing_fn)dlsym(h, "_Unwind_FindEnclosingFunction");
        if (!gcc.cfa || !gcc.region_start || !gcc.ipinfo || !gcc.enclosing)
            gcc.backtrace = NULL;
    }
    /* libunwind makes its pipe (pipe2, the two lowest free descriptors) at its
     * first call, which is the caching-policy call below: find out which two
     * numbers those are first.  If they turn out not to be a fresh non-blocking
     * pipe (libunwind was set up earlier, or works differently), libunwind is not
     * used at all. */
    int probe[2];
    if (pipe2(probe, O_CLOEXEC) != 0)
        probe[0] = probe[1] = -1;
    else {
        close(probe[0]);
        close(probe[1]);
    }
    unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
    struct stat a, b;
    if (probe[0] >= 0 && fstat(probe[0], &a) == 0 && fstat(probe[1], &b) == 0 &&
        S_ISFIFO(a.st_mode) && a.st_ino == b.st_ino && a.st_dev == b.st_dev &&
        (fcntl(probe[0], F_GETFL) & O_NONBLOCK) && (fcntl(probe[1], F_GETFL) & O_NONBLOCK)) {
        unw_pipe[0] = probe[0];
        unw_pipe[1] = probe[1];
        unw_dev = a.st_dev;
        unw_ino = a.st_ino;
        atomic_store(&unw_usable, 1);
    }
}

/* libunwind may be called: its pipe is still its own.  Once not, never again (the
 * program owns those numbers now, and libunwind would only re-make its pipe after
 * closing them). */
static int unw_safe(void)
{
    if (!atomic_load_explicit(&unw_usable, memory_order_relaxed))
        return 0;
    if (is_unw_pipe_end(unw_pipe[0]) && is_unw_pipe_end(unw_pipe[1]))
        return 1;
    atomic_store(&unw_usable, 0);
    return 0;
}

struct gcc_walk {
    struct lg_plat_frame *f;
    void **raw;
    int n, max;
};

/* In a backtrace callback, _Unwind_GetCFA is the CFA of the frame just visited
 * (the callee): this frame's stack pointer at its call, and so also the previous
 * frame's CFA.  A frame's own CFA is known one step later. */
static _Unwind_Reason_Code gcc_step(struct _Unwind_Context *ctx, void *arg)
{
    struct gcc_walk *w = arg;
    int before = 0;
    uintptr_t ip = gcc.ipinfo(ctx, &before);
    uintptr_t sp = gcc.cfa(ctx);
    if (w->f && w->n)
        w->f[w->n - 1].cfa = sp;
    if (!ip || w->n >= w->max)
        return _URC_END_OF_STACK;
    if (w->raw) {
        w->raw[w->n++] = (void *)(before ? ip + 1 : ip); /* as unw_backtrace gives */
        return _URC_NO_REASON;
    }
    struct lg_plat_frame *f = &w->f[w->n++];
    f->pc = before ? ip : ip - 1;
    f->sp = sp;
    f->cfa = 0; /* the outermost frame's stays unknown */
    f->fn = gcc.region_start(ctx);
    return _URC_NO_REASON;
}

/* libunwind guards its caches with pthread mutexes of its own.  A fork while
 * another thread is inside unw_backtrace leaves such a mutex locked for good in
 * the child, whose first capture then hangs (the soak suite's fork storm hung so).
 * So captures count themselves in and out, and the first capture in a new process
 * (a fork child: the pid changed) that inherited a non-zero count stops using
 * libunwind there, as after a closed pipe; libgcc's unwinder takes only the
 * loader's lock, which glibc resets in the child.  getpid is a system call, made
 * once per capture (microseconds already). */
static _Atomic int unw_inside;
static _Atomic pid_t unw_pid;

static int unw_fork_safe(void)
{
    pid_t me = getpid();
    pid_t was = atomic_load_explicit(&unw_pid, memory_order_relaxed);
    if (was != me && atomic_compare_exchange_strong(&unw_pid, &was, me)) {
        if (was && atomic_load(&unw_inside) > 0)
            atomic_store(&unw_usable, 0);
        atomic_store(&unw_inside, 0);
    }
    return 1;
}

int lg_plat_unwind_raw(void **buf, int max)
{
    if (unw_fork_safe() && unw_safe()) {
        atomic_fetch_add(&unw_inside, 1);
        int n = unw_backtrace(buf, max);
        atomic_fetch_sub(&unw_inside, 1);
        return n;
    }
    if (!gcc.backtrace)
        return 0;
    struct gcc_walk w = {NULL, buf, 0, max};
    gcc.backtrace(gcc_step, &w);
    return w.n;
}

/* The shim's own leading frames are dropped and return addresses turned into call
 * sites. */
int lg_plat_backtrace(uintptr_t *pcs, int max)
{
    void *buf[LG_MAX_DEPTH_RAW];
    uintptr_t lo, hi;
    lg_shim_self_range(&lo, &hi);
    int want = max + 12;
    if (want > LG_MAX_DEPTH_RAW)
        want = LG_MAX_DEPTH_RAW;
    int n = lg_plat_unwind_raw(buf, want);
    int k = 0;
    for (int i = 0; i < n && k < max; i++) /* our frames: hooks, the thread trampoline */
        if ((uintptr_t)buf[i] < lo || (uintptr_t)buf[i] >= hi)
            pcs[k++] = (uintptr_t)buf[i] - 1;
    if (k && !lg_modules_cover(pcs, k))
        lg_modules_rescan(); /* code from a module we have not recorded yet */
    return k;
}

int lg_plat_backtrace_frames(struct lg_plat_frame *f, int max)
{
    if (!gcc.backtrace)
        return 0;
    struct lg_plat_frame all[LG_MAX_DEPTH_RAW];
    struct gcc_walk w = {all, NULL, 0, LG_MAX_DEPTH_RAW};
    gcc.backtrace(gcc_step, &w);
    uintptr_t lo, hi;
    lg_shim_self_range(&lo, &hi);
    int k = 0;
    for (int i = 0; i < w.n && k < max; i++)
        if (all[i].pc < lo || all[i].pc >= hi)
            f[k++] = all[i];
    return k;
}

uintptr_t lg_plat_function_of(uintptr_t pc)
{
    return gcc.enclosing ? (uintptr_t)gcc.enclosing((void *)pc) : 0;
}

/* x86-64: the frame containing addr lies between its own stack pointer and its
 * caller's; the call pushed its return address just below the caller's. */
uintptr_t lg_plat_frame_slot(uintptr_t addr)
{
    struct lg_plat_frame f[LG_MAX_DEPTH_RAW];
    int n = lg_plat_backtrace_frames(f, LG_MAX_DEPTH_RAW);
    for (int i = 0; i < n; i++)
        if (f[i].cfa > addr)
            return f[i].cfa - sizeof(uintptr_t);
    return 0;
}
