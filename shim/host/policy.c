/* The deadlock policy (policy.h): its settings are the shim's (shim.h), not the
 * detection core's, which only reports the hang. */
#define _GNU_SOURCE
#include "policy.h"
#include "log_format.h"
#include "log_writer.h"
#include "settings.h"
#include "shim.h"

#include <stdlib.h>
#include <unistd.h>

void lg_deadlock_policy(void)
{
    if (lg_settings.on_deadlock == LG_ON_DEADLOCK_WAIT)
        return;
    lg_log_finish(LG_END_DEADLOCK);
    if (lg_settings.on_deadlock == LG_ON_DEADLOCK_ABORT)
        abort();
    _exit(lg_settings.deadlock_exitcode);
}
