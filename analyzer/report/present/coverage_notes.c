/* Wording of coverage notes (coverage_notes.h). */
#include "coverage_notes.h"

#include "log_format.h"

char *lg_untraced_why(const lg_untraced *u)
{
    switch (u->reason) {
    case LG_UNTRACED_STATIC: return g_strdup("statically linked");
    case LG_UNTRACED_SETID: return g_strdup("setuid/setgid, the loader ignores LD_PRELOAD");
    }
    return g_strdup_printf("reason %u", u->reason);
}

char *lg_untraced_message(const lg_untraced *u)
{
    char *why = lg_untraced_why(u);
    char *m = g_strdup_printf("%s was not traced: %s", u->path, why);
    g_free(why);
    return m;
}
