#define _GNU_SOURCE
#include "real.h"

#include <dlfcn.h>

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
