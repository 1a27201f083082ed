/* free and munmap: the end of heap-resident locks.  std::mutex and friends never
 * call pthread_mutex_destroy, so without this a new object allocated at a freed
 * lock's address would inherit its edges and fabricate cycles.  The common case (a
 * block that never held a lock) costs one bitmap test after malloc_usable_size. */
#define _GNU_SOURCE
#include "hook.h"

#include <dlfcn.h>
#include <malloc.h>
#include <sys/mman.h>

/* malloc_usable_size is only safe on blocks of the allocator that defines it: a
 * replacement malloc need not provide one (glibc documents malloc, free, calloc
 * and realloc as the minimum), and glibc's would misread its blocks. */
static int usable_ok; /* decided once at start-up (lg_memory_init), never in free():
                       * dlsym itself frees, and would recurse */

void lg_memory_init(void)
{
    Dl_info a, b;
    void *m = dlsym(RTLD_DEFAULT, "malloc");
    void *u = dlsym(RTLD_DEFAULT, "malloc_usable_size");
    usable_ok = m && u && dladdr(m, &a) && dladdr(u, &b) && a.dli_fbase == b.dli_fbase;
}

static size_t block_size(void *p) { return usable_ok ? malloc_usable_size(p) : 0; }

LG_EXPORT void free(void *p)
{
    if (p && lg_enabled)
        lg_memory_freed((uintptr_t)p, (uintptr_t)p + block_size(p));
    void (*real)(void *) = lg_real.free;
    if (!real) {
        lg_real_init();
        real = lg_real.free;
    }
    if (real) /* NULL only while resolving: leaking that block is harmless */
        real(p);
}

extern void *__libc_realloc(void *, size_t);

/* A realloc that moves the block frees the old one (a lock in it cannot move with
 * it: a pthread lock must not be copied).  The locks are retired before the call,
 * while the old block is still ours. */
LG_EXPORT void *realloc(void *p, size_t n)
{
    if (p && lg_enabled)
        lg_memory_freed((uintptr_t)p, (uintptr_t)p + block_size(p));
    void *(*real)(void *, size_t) = lg_real.realloc;
    if (!real) {
        lg_real_init();
        real = lg_real.realloc;
    }
    /* NULL only while resolving the real functions: glibc's own entry point */
    return real ? real(p, n) : __libc_realloc(p, n);
}

LG_EXPORT int munmap(void *p, size_t len)
{
    if (p && lg_enabled)
        lg_memory_freed((uintptr_t)p, (uintptr_t)p + len);
    return REAL(munmap)(p, len);
}
