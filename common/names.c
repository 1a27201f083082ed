#include "names.h"
#include "log_format.h"

#include <string.h>

static const char *const finding_names[LG_FIND_KIND_MAX + 1] = {
    [LG_FIND_LOCK_ORDER_INVERSION] = "lock-order-inversion",
    [LG_FIND_DEADLOCK] = "deadlock",
    [LG_FIND_SELF_DEADLOCK] = "self-deadlock",
    [LG_FIND_BAD_UNLOCK] = "bad-unlock",
    [LG_FIND_DESTROY_LOCKED] = "destroy-locked",
    [LG_FIND_LONG_HOLD] = "long-hold",
};

const char *lg_finding_kind_name(int kind)
{
    if (kind > 0 && kind <= LG_FIND_KIND_MAX && finding_names[kind])
        return finding_names[kind];
    return "unknown";
}

int lg_finding_kind_from_name(const char *s)
{
    for (int k = 1; k <= LG_FIND_KIND_MAX; k++)
        if (finding_names[k] && strcmp(finding_names[k], s) == 0)
            return k;
    return 0;
}

const char *lg_mode_name(int mode)
{
    switch (mode) {
    case LG_MODE_EXCL: return "mutex";
    case LG_MODE_READ: return "read";
    case LG_MODE_WRITE: return "write";
    case LG_MODE_SPIN: return "spin";
    default: return "unknown";
    }
}

const char *lg_lock_kind_name(int kind)
{
    switch (kind) {
    case LG_KIND_MUTEX: return "mutex";
    case LG_KIND_RWLOCK: return "rwlock";
    case LG_KIND_SPIN: return "spinlock";
    case LG_KIND_MTX: return "mtx";
    case LG_KIND_FILE: return "file";
    default: return "unknown";
    }
}

const char *lg_subkind_name(int subkind)
{
    switch (subkind) {
    case LG_SUB_NORMAL: return "normal";
    case LG_SUB_RECURSIVE: return "recursive";
    case LG_SUB_ERRORCHECK: return "errorcheck";
    case LG_SUB_ADAPTIVE: return "adaptive";
    case LG_SUB_RW_PREFER_READER: return "prefer-reader";
    case LG_SUB_RW_PREFER_WRITER: return "prefer-writer";
    default: return "unknown";
    }
}
