/* The deadlock policy (policy.h). */
#define _GNU_SOURCE
#include "policy.h"
#include "detector.h"
#include "log_writer.h"

#include <stdlib.h>
#include <unistd.h>

void lg_deadlock_policy(void)
{
    if (lg_cfg.on_deadlock == LG_ON_DEADLOCK_WAIT)
        return;
    lg_log_finish(LG_END_DEADLOCK);
    if (lg_cfg.on_deadlock == LG_ON_DEADLOCK_ABORT)
        abort();
    _exit(lg_cfg.deadlock_exitcode);
}
