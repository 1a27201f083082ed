/* The host side of detect/host.h: clocks, thread identity, stacks and thread bounds. */
#define _GNU_SOURCE
#define UNW_LOCAL_ONLY
#include "host.h"
#include "modules.h"
#include "shim.h"

#include <libunwind.h>
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

/* unw_backtrace walks with libunwind's per-thread cache (set up in lg_init), which
 * is the cheap way to get a real stack; the shim's own leading frames are dropped
 * and return addresses turned into call sites. */
int lg_plat_backtrace(uintptr_t *pcs, int max)
{
    void *buf[LG_MAX_DEPTH_RAW];
    uintptr_t lo, hi;
    lg_shim_self_range(&lo, &hi);
    int want = max + 12;
    if (want > LG_MAX_DEPTH_RAW)
        want = LG_MAX_DEPTH_RAW;
    int n = unw_backtrace(buf, want);
    int k = 0;
    for (int i = 0; i < n && k < max; i++) /* our frames: hooks, the thread trampoline */
        if ((uintptr_t)buf[i] < lo || (uintptr_t)buf[i] >= hi)
            pcs[k++] = (uintptr_t)buf[i] - 1;
    if (k && !lg_modules_cover(pcs, k))
        lg_modules_rescan(); /* code from a module we have not recorded yet */
    return k;
}

int lg_plat_backtrace_sp(uintptr_t *pcs, uintptr_t *sps, int max)
{
    unw_context_t ctx;
    unw_cursor_t cur;
    uintptr_t lo, hi;
    lg_shim_self_range(&lo, &hi);
    if (unw_getcontext(&ctx) != 0 || unw_init_local(&cur, &ctx) != 0)
        return 0;
    int k = 0;
    for (int guard = 0; k < max && guard < LG_MAX_DEPTH_RAW && unw_step(&cur) > 0; guard++) {
        unw_word_t ip, sp;
        if (unw_get_reg(&cur, UNW_REG_IP, &ip) != 0 || unw_get_reg(&cur, UNW_REG_SP, &sp) != 0)
            break;
        if (ip >= lo && ip < hi)
            continue;
        pcs[k] = (uintptr_t)ip - 1;
        sps[k] = (uintptr_t)sp;
        k++;
    }
    return k;
}

/* x86-64: the frame containing addr lies between its own stack pointer and its
 * caller's; the call pushed its return address just below the caller's. */
uintptr_t lg_plat_frame_slot(uintptr_t addr)
{
    unw_context_t ctx;
    unw_cursor_t cur;
    if (unw_getcontext(&ctx) != 0 || unw_init_local(&cur, &ctx) != 0)
        return 0;
    for (int guard = 0; guard < LG_MAX_DEPTH_RAW && unw_step(&cur) > 0; guard++) {
        unw_word_t sp;
        if (unw_get_reg(&cur, UNW_REG_SP, &sp) != 0)
            return 0;
        if ((uintptr_t)sp > addr)
            return (uintptr_t)sp - sizeof(uintptr_t);
    }
    return 0;
}
