#define _GNU_SOURCE
#include "real.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct lg_real_table lg_real;
int lg_real_ready;

void lg_real_init(void)
{
    static __thread int resolving;
    if (lg_real_ready || resolving)
        return;
    resolving = 1;
#define LG_RESOLVE(ret, name, args)                                                           \
    if (!lg_real.name)                                                                        \
        *(void **)&lg_real.name = dlsym(RTLD_NEXT, #name);
    LG_REAL_FUNCS(LG_RESOLVE)
#undef LG_RESOLVE
    __atomic_store_n(&lg_real_ready, 1, __ATOMIC_RELEASE);
    resolving = 0;
}

struct lg_lazy_table lg_lazy;

/* The sonames a lazily resolved function may live in, for a library that only a
 * local scope (a plugin's dlopen) holds: GLib; GCC's libgomp, then LLVM's libomp
 * (which defines the GOMP_ entry points too) and Intel's. */
static const char *const lazy_libs[][4] = {
    [LG_LIB_GLIB] = {"libglib-2.0.so.0", NULL},
    [LG_LIB_OMP] = {"libgomp.so.1", "libomp.so.5", "libomp.so", "libiomp5.so"},
};

void *lg_lazy_resolve(void **slot, const char *name, enum lg_lazy_lib lib)
{
    void *f = dlsym(RTLD_NEXT, name);
    for (int i = 0; !f && i < 4 && lazy_libs[lib][i]; i++) {
        void *h = dlopen(lazy_libs[lib][i], RTLD_LAZY | RTLD_NOLOAD);
        if (h)
            f = dlsym(h, name); /* the handle stays open: the library is in use */
    }
    if (!f) {
        static const char msg[] = "lockgraph: no loaded library defines ";
        (void)!write(2, msg, sizeof msg - 1);
        (void)!write(2, name, strlen(name));
        (void)!write(2, "\n", 1);
        abort();
    }
    __atomic_store_n(slot, f, __ATOMIC_RELEASE);
    return f;
}
