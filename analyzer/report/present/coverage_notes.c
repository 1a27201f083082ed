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

const char *lg_unseen_extent_name(const lg_unseen_note *n)
{
    return n->lib->extent == LG_UNSEEN_INTERNAL ? "internal" : "all";
}

char *lg_unseen_message(const lg_process *p, const lg_unseen_note *n)
{
    if (n->lib->extent == LG_UNSEEN_INTERNAL)
        return g_strdup_printf("pid %u loaded %s, whose own use of its locks (%s) lockgraph "
                               "cannot see, and recorded no lock from it: no finding there "
                               "does not mean it was checked",
                               p->pid, n->module->path, n->lib->locks);
    return g_strdup_printf("pid %u loaded %s, whose locks (%s) lockgraph cannot see, and "
                           "recorded no lock from it: no finding there does not mean it was "
                           "checked (annotate them: docs/shim.md)",
                           p->pid, n->module->path, n->lib->locks);
}

char *lg_untraced_message(const lg_untraced *u)
{
    char *why = lg_untraced_why(u);
    char *m = g_strdup_printf("%s was not traced: %s", u->path, why);
    g_free(why);
    return m;
}
