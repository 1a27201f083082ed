/* The host side of detect/host.h: clocks, thread identity, stacks and thread bounds. */
#define _GNU_SOURCE
#define UNW_LOCAL_ONLY
#include "host.h"
#include "detect.h"
#include "eh_unwind.h"
#include "modules.h"
#include "shim.h"
#include "state.h"

#include <libunwind.h>
#include <unwind.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <pthread.h>
#include <signal.h>
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

size_t lg_plat_stack_room(uintptr_t lo, uintptr_t hi)
{
    uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
    if (sp > lo && sp <= hi)
        return sp - lo;
    stack_t ss;
    if (sigaltstack(NULL, &ss) == 0 && (ss.ss_flags & SS_ONSTACK)) {
        uintptr_t base = (uintptr_t)ss.ss_sp;
        return sp > base ? sp - base : 0;
    }
    return SIZE_MAX;
}

/* ---- unwinding --------------------------------------------------------------------
 * Two unwinders, chosen by measurement (docs/shim.md "Stack capture"):
 *  - libunwind's unw_backtrace, for full stacks: its per-thread trace cache makes a
 *    warm capture ~0.9 us with no system call (sigprocmask only on a cache miss,
 *    around ld.so's dl_iterate_phdr).  libunwind validates memory it is unsure of
 *    through a private pipe (written on a validated read, closed and re-made if a
 *    read of it fails), so a program that closes every descriptor and reuses the
 *    numbers would have libunwind read, write or close the program's own files.
 *    libunwind reaches that pipe only from its local address space's access_mem
 *    accessor, so the shim replaces that accessor at init (own_access_mem: the
 *    same reads, with validation by process_vm_readv on the process itself, no
 *    descriptor): libunwind then never touches its pipe again, whatever the
 *    program does with the numbers, and a capture costs no system call for it.
 *    Where the accessor cannot be replaced (a libunwind whose as_arg packing is
 *    not 1.6's), the old way is kept: the pipe is identified at init and checked
 *    (fstat, device and inode of both ends) before every use; once it is gone,
 *    libunwind is never called again in this process.
 *  - libgcc's _Unwind_Backtrace (the unwinder of C++ exceptions, loaded by every
 *    C++ program), for everything else: no descriptor, no signal mask, no cache
 *    (~1 us a frame), and it gives each frame's CFA and function start, which the
 *    held-stack check needs.  It is looked up in libgcc_s itself: libunwind.so
 *    exports unversioned _Unwind_* of its own, which are far slower (~20 us a
 *    frame through unw_step) and use the pipe.
 * libunwind is not a link dependency of the shim but opened RTLD_LOCAL: as a
 * dependency of a preloaded library it would join the global scope ahead of
 * libgcc_s whenever the program does not link libgcc_s itself (a C program using a
 * C++ library), and its unversioned _Unwind_RaiseException would then run the
 * program's C++ exceptions, re-entering the shim from inside libunwind's locks. */

typedef int (*unwind_backtrace_fn)(_Unwind_Trace_Fn, void *);
typedef uintptr_t (*unwind_get_fn)(struct _Unwind_Context *);
typedef uintptr_t (*unwind_get_ipinfo_fn)(struct _Unwind_Context *, int *);

static struct {
    unwind_backtrace_fn backtrace;
    unwind_get_fn cfa, region_start;
    unwind_get_ipinfo_fn ipinfo;
} gcc;

static struct {
    int (*backtrace)(void **, int);
    int (*set_caching_policy)(unw_addr_space_t, unw_caching_policy_t);
    unw_accessors_t *(*get_accessors)(unw_addr_space_t);
    unw_addr_space_t *local_as;
} unw;

static int unw_pipe[2] = {-1, -1};
static dev_t unw_dev;
static ino_t unw_ino;
/* 0: libunwind is not used; 1: used while its pipe checks out; 2: used freely,
 * its memory accessor being own_access_mem (the pipe is never reached) */
static _Atomic int unw_usable;

static int is_unw_pipe_end(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode) && st.st_dev == unw_dev &&
           st.st_ino == unw_ino;
}

#if UNW_VERSION_MAJOR == 1 && UNW_VERSION_MINOR >= 6
/* libunwind 1.6-1.8 pass the local accessors an as_arg whose low bit asks for
 * validation (AS_ARG_VALIDATE_MASK): set when unwind info is missing or guessed,
 * and on every unw_step with conservative checks (Debian's build). */
#define LG_UNW_OWN_ACCESS 1
#define LG_PAGE(a) ((a) & ~(uintptr_t)4095)

/* Pages this thread read through a validation, as libunwind's own cache keeps
 * them (4, round robin): validated reads are few and fall on a few stack pages. */
static __thread uintptr_t good_page[4];
static __thread unsigned good_next;

static int page_known(uintptr_t p)
{
    for (int i = 0; i < 4; i++)
        if (good_page[i] == p)
            return 1;
    return 0;
}

/* One word read with a fault turned into an error: process_vm_readv on the
 * process itself (the pid read each time: a fork child must not read its
 * parent).  Refused (seccomp, no such call): unreadable, so libunwind stops
 * the walk there, as it does at any invalid address. */
static int read_checked(uintptr_t addr, unw_word_t *val)
{
    uintptr_t lo = LG_PAGE(addr), hi = LG_PAGE(addr + sizeof *val - 1);
    if (lo && page_known(lo) && page_known(hi)) {
        *val = *(const unw_word_t *)addr;
        return 0;
    }
    if (!lo)
        return -1;
    struct iovec local = {val, sizeof *val}, remote = {(void *)addr, sizeof *val};
    pid_t pid = (pid_t)syscall(SYS_getpid);
    if (syscall(SYS_process_vm_readv, pid, &local, 1ul, &remote, 1ul, 0ul) != (long)sizeof *val)
        return -1;
    good_page[good_next++ % 4] = lo;
    if (hi != lo)
        good_page[good_next++ % 4] = hi;
    return 0;
}

static int own_access_mem(unw_addr_space_t as, unw_word_t addr, unw_word_t *val, int write,
                          void *arg)
{
    (void)as;
    if (write) {
        *(unw_word_t *)addr = *val;
        return 0;
    }
    if ((uintptr_t)arg & 1u)
        return read_checked(addr, val);
    *val = *(const unw_word_t *)addr;
    return 0;
}
#else
#define LG_UNW_OWN_ACCESS 0
#endif

void lg_plat_unwind_init(void)
{
    lg_eh_init();
    void *h = dlopen("libgcc_s.so.1", RTLD_NOW | RTLD_LOCAL);
    if (h) {
        gcc.backtrace = (unwind_backtrace_fn)dlsym(h, "_Unwind_Backtrace");
        gcc.cfa = (unwind_get_fn)dlsym(h, "_Unwind_GetCFA");
        gcc.region_start = (unwind_get_fn)dlsym(h, "_Unwind_GetRegionStart");
        gcc.ipinfo = (unwind_get_ipinfo_fn)dlsym(h, "_Unwind_GetIPInfo");
        if (!gcc.cfa || !gcc.region_start || !gcc.ipinfo)
            gcc.backtrace = NULL;
    }
    /* The symbol names behind libunwind.h's macros (UNW_LOCAL_ONLY: _ULx86_64_...) */
#define LG_UNW_STR_(x) #x
#define LG_UNW_STR(x) LG_UNW_STR_(x)
    void *u = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
    if (u) {
        unw.backtrace = (int (*)(void **, int))dlsym(u, "unw_backtrace");
        unw.set_caching_policy = (int (*)(unw_addr_space_t, unw_caching_policy_t))dlsym(
            u, LG_UNW_STR(unw_set_caching_policy));
        unw.get_accessors = (unw_accessors_t * (*)(unw_addr_space_t))dlsym(
            u, LG_UNW_STR(unw_get_accessors));
        unw.local_as = (unw_addr_space_t *)dlsym(u, LG_UNW_STR(unw_local_addr_space));
    }
    if (!unw.backtrace || !unw.set_caching_policy || !unw.local_as)
        return; /* libgcc's unwinder alone */
#if LG_UNW_OWN_ACCESS
    /* unw_get_accessors initialises libunwind (its pipe is made here, and never
     * used afterwards) and returns the local address space's own accessor table */
    unw_accessors_t *acc = unw.get_accessors ? unw.get_accessors(*unw.local_as) : NULL;
    if (acc && acc->access_mem) {
        __atomic_store_n(&acc->access_mem, own_access_mem, __ATOMIC_RELEASE);
        unw.set_caching_policy(*unw.local_as, UNW_CACHE_PER_THREAD);
        atomic_store(&unw_usable, 2);
        return;
    }
#endif
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
    unw.set_caching_policy(*unw.local_as, UNW_CACHE_PER_THREAD);
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

/* libunwind may be called: it never reaches its pipe, or the pipe is still its
 * own.  Once not, never again (the program owns those numbers now, and libunwind
 * would only re-make its pipe after closing them). */
static int unw_safe(void)
{
    int u = atomic_load_explicit(&unw_usable, memory_order_relaxed);
    if (u != 1)
        return u;
    if (is_unw_pipe_end(unw_pipe[0]) && is_unw_pipe_end(unw_pipe[1]))
        return 1;
    atomic_store(&unw_usable, 0);
    return 0;
}

/* A walk with libgcc's unwinder.  Frames are filtered as they are visited rather
 * than copied and filtered after: a slow-path capture may run on a small thread
 * stack (PTHREAD_STACK_MIN), so no walk keeps a second array of frames. */
struct gcc_walk {
    struct lg_plat_frame *f; /* frames mode: the kept frames */
    void **raw;              /* raw mode: return addresses, nothing skipped */
    int n, max, visited;
    uintptr_t lo, hi;  /* frames mode: call sites in [lo, hi) (the shim) are skipped */
    int last_kept;     /* the frame visited last was kept: this one's sp is its CFA */
    uintptr_t addr;    /* slot mode (f and raw NULL): the stack address looked up */
    uintptr_t slot;    /* slot mode: the result */
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
    if (w->last_kept && w->f)
        w->f[w->n - 1].cfa = sp;
    if (w->last_kept && !w->f && !w->raw && sp > w->addr) {
        w->slot = sp - sizeof(uintptr_t); /* the kept frame holding addr */
        return _URC_END_OF_STACK;
    }
    w->last_kept = 0;
    if (!ip || w->n >= w->max || w->visited++ >= LG_MAX_DEPTH_RAW)
        return _URC_END_OF_STACK;
    if (w->raw) {
        w->raw[w->n++] = (void *)(before ? ip + 1 : ip); /* as unw_backtrace gives */
        return _URC_NO_REASON;
    }
    uintptr_t pc = before ? ip : ip - 1;
    if (pc >= w->lo && pc < w->hi) /* our frames: hooks, the thread trampoline */
        return _URC_NO_REASON;
    w->last_kept = 1;
    if (!w->f)
        return _URC_NO_REASON;
    struct lg_plat_frame *f = &w->f[w->n++];
    f->pc = pc;
    f->sp = sp;
    f->cfa = 0; /* the outermost frame's stays unknown */
    f->fn = gcc.region_start(ctx);
    return _URC_NO_REASON;
}

/* libunwind guards its caches with pthread mutexes of its own.  A fork while
 * another thread is inside unw_backtrace leaves such a mutex locked for good in
 * the child, whose first capture then hangs (the soak suite's fork storm hung so).
 * So captures count themselves in and out, and a fork child that inherited a
 * non-zero count stops using libunwind (lg_plat_after_fork_child, from the shim's
 * atfork handler), as after a closed pipe; libgcc's unwinder takes only the
 * loader's lock, which glibc resets in the child. */
static _Atomic int unw_inside;

void lg_plat_after_fork_child(void)
{
    if (atomic_load(&unw_inside) > 0)
        atomic_store(&unw_usable, 0);
    atomic_store(&unw_inside, 0);
}

/* The calling thread's stack, for the own walker (eh_unwind.h): known for every
 * thread the shim has met; 0 otherwise (the general unwinders then run). */
static int eh_bounds(uintptr_t *lo, uintptr_t *hi)
{
    const struct lg_thread *t = lg_tls_self;
    if (!t || !t->stack_lo || t->stack_hi <= t->stack_lo)
        return 0;
    *lo = t->stack_lo;
    *hi = t->stack_hi;
    return 1;
}

struct eh_raw {
    void **buf;
    int n;
};

static int eh_raw_visit(void *arg, uintptr_t ra, uintptr_t sp, uintptr_t cfa, uintptr_t fn)
{
    (void)sp, (void)cfa, (void)fn;
    struct eh_raw *w = arg;
    w->buf[w->n++] = (void *)ra;
    return 0;
}

int lg_plat_unwind_raw(void **buf, int max)
{
    uintptr_t lo, hi;
    if (eh_bounds(&lo, &hi)) {
        struct eh_raw w = {buf, 0};
        if (lg_eh_walk(lo, hi, max, eh_raw_visit, &w) == 0)
            return w.n;
    }
    if (unw_safe()) {
        atomic_fetch_add(&unw_inside, 1);
        int n = unw.backtrace(buf, max);
        atomic_fetch_sub(&unw_inside, 1);
        return n;
    }
    if (!gcc.backtrace)
        return 0;
    struct gcc_walk w = {.raw = buf, .max = max};
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

/* The own walker's visit, as gcc_step's for frames (f) or for a frame slot (addr). */
static int eh_frames_visit(void *arg, uintptr_t ra, uintptr_t sp, uintptr_t cfa, uintptr_t fn)
{
    struct gcc_walk *w = arg;
    uintptr_t pc = ra - 1;
    if (pc >= w->lo && pc < w->hi) /* our frames: hooks, the thread trampoline */
        return 0;
    if (!w->f) {
        if (cfa > w->addr) {
            w->slot = cfa - sizeof(uintptr_t);
            return 1;
        }
        return 0;
    }
    if (w->n >= w->max)
        return 1;
    w->f[w->n++] = (struct lg_plat_frame){.pc = pc, .sp = sp, .cfa = cfa, .fn = fn};
    return 0;
}

/* The own walker over w (frames or a slot); 0 when it could not walk the stack. */
static int eh_frames(struct gcc_walk *w)
{
    uintptr_t lo, hi;
    if (!eh_bounds(&lo, &hi))
        return 0;
    if (lg_eh_walk(lo, hi, LG_MAX_DEPTH_RAW, eh_frames_visit, w) == 0)
        return 1;
    w->n = 0, w->slot = 0;
    return 0;
}

int lg_plat_backtrace_frames(struct lg_plat_frame *f, int max)
{
    struct gcc_walk w = {.f = f, .max = max};
    lg_shim_self_range(&w.lo, &w.hi);
    if (!eh_frames(&w)) {
        if (!gcc.backtrace)
            return 0;
        gcc.backtrace(gcc_step, &w);
    }
    /* these frames become stacks too (a first use's, a held lock's): as in
     * lg_plat_backtrace, code from a module not recorded yet makes a rescan */
    for (int i = 0; i < w.n; i++)
        if (!lg_modules_cover(&f[i].pc, 1)) {
            lg_modules_rescan();
            break;
        }
    return w.n;
}

/* x86-64: the frame containing addr lies between its own stack pointer and its
 * caller's; the call pushed its return address just below the caller's. */
uintptr_t lg_plat_frame_slot(uintptr_t addr)
{
    struct gcc_walk w = {.max = LG_MAX_DEPTH_RAW, .addr = addr};
    lg_shim_self_range(&w.lo, &w.hi);
    if (eh_frames(&w))
        return w.slot;
    if (!gcc.backtrace)
        return 0;
    gcc.backtrace(gcc_step, &w);
    return w.slot;
}
