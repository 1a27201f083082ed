/* The deadlock policy (policy.h): its settings are the shim's (shim.h), not the
 * detection core's, which only reports the hang. */
#define _GNU_SOURCE
#include "policy.h"
#include "log_format.h"
#include "fmt.h"
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
    /* the last line a user sees says who ended the process, and how (not in the
     * "<kind>: " form of a finding's first line, which scripts count) */
    if (lg_settings.on_deadlock == LG_ON_DEADLOCK_ABORT) {
        lg_notice("the deadlock policy ends the process with abort() (on-deadlock=abort)");
        abort();
    }
    char line[128];
    struct lg_fmt f = {line, sizeof line, 0};
    lg_fmt_s(&f, "the deadlock policy ends the process with exit status ");
    lg_fmt_u(&f, lg_settings.deadlock_exitcode);
    lg_fmt_s(&f, " (on-deadlock=exit; LOCKGRAPH_ON_DEADLOCK=wait leaves it blocked)");
    lg_notice(line);
    _exit(lg_settings.deadlock_exitcode);
}
