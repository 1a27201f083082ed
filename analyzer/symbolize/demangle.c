#include "demangle.h"

#include <glib.h>
#include <stdlib.h>

/* From libstdc++ (cxxabi.h declares it extern "C" in namespace abi, which gives it
 * this plain C linkage name).  Returns a malloc'ed string or NULL with *status set. */
extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

char *lg_demangle(const char *name)
{
    if (!name)
        return NULL;
    /* Only Itanium-mangled names start with _Z; everything else (C symbols) would
     * be rejected anyway, but skipping them avoids a pointless malloc. */
    if (name[0] != '_' || name[1] != 'Z')
        return g_strdup(name);
    int st = 0;
    char *d = __cxa_demangle(name, NULL, NULL, &st);
    if (st != 0 || !d) {
        free(d);
        return g_strdup(name);
    }
    char *out = g_strdup(d);
    free(d);
    return out;
}
