#define _GNU_SOURCE
#include "shim.h"
#include "detector.h"

#include <stdlib.h>
#include <string.h>

struct lg_settings lg_settings = {
    .output = "lockgraph.%p.log",
    .report_fd = 2,
    .trace_children = 1,
};

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static long env_num(const char *name, long def, long lo, long hi)
{
    const char *v = env(name);
    if (!v)
        return def;
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || n < lo || n > hi)
        return def;
    return n;
}

static int env_bool(const char *name, int def)
{
    const char *v = env(name);
    if (!v)
        return def;
    if (!strcmp(v, "0") || !strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcasecmp(v, "off"))
        return 0;
    return 1;
}

static void copy(char *dst, size_t n, const char *src)
{
    if (src) {
        strncpy(dst, src, n - 1);
        dst[n - 1] = 0;
    }
}

void lg_config_read(void)
{
    copy(lg_settings.output, sizeof lg_settings.output, env("LOCKGRAPH_OUTPUT"));
    lg_settings.quiet = env_bool("LOCKGRAPH_QUIET", 0);
    lg_settings.report_fd = (int)env_num("LOCKGRAPH_LOG_FD", 2, 0, 1 << 20);
    lg_settings.trace_children = env_bool("LOCKGRAPH_TRACE_CHILDREN", 1);
    copy(lg_settings.run_id, sizeof lg_settings.run_id, env("LOCKGRAPH_RUN_ID"));
    copy(lg_settings.run_index, sizeof lg_settings.run_index, env("LOCKGRAPH_RUN_INDEX"));
    copy(lg_settings.suppressions, sizeof lg_settings.suppressions, env("LOCKGRAPH_SUPPRESSIONS"));

    lg_cfg.stack_depth = (int)env_num("LOCKGRAPH_STACK_DEPTH", 32, 1, LG_MAX_DEPTH);
    lg_cfg.hold_threshold_ns =
        (uint64_t)env_num("LOCKGRAPH_HOLD_THRESHOLD_MS", 1000, 0, 86400000L) * 1000000ull;
    lg_cfg.deadlock_ns =
        (uint64_t)env_num("LOCKGRAPH_DEADLOCK_MS", 1000, 1, 86400000L) * 1000000ull;
    lg_cfg.deadlock_exitcode = (int)env_num("LOCKGRAPH_DEADLOCK_EXITCODE", 86, 0, 255);
    const char *p = env("LOCKGRAPH_ON_DEADLOCK");
    if (p && !strcmp(p, "abort"))
        lg_cfg.on_deadlock = LG_ON_DEADLOCK_ABORT;
    else if (p && !strcmp(p, "wait"))
        lg_cfg.on_deadlock = LG_ON_DEADLOCK_WAIT;
    else
        lg_cfg.on_deadlock = LG_ON_DEADLOCK_EXIT;
}
