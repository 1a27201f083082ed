#include "fork_log.h"
#include "detector.h"
#include "host.h"

int lg_fork_log_state = LG_FORK_LOG_WRITTEN;

void lg_fork_log_defer(void) { lg_fork_log_state = LG_FORK_LOG_DEFERRED; }

void lg_fork_log_write_history(void)
{
    int was = lg_fork_log_state;
    /* first: nothing below may start it again (the records it writes go through
     * lg_plat_log directly, never through lg_graph_lock) */
    lg_fork_log_state = LG_FORK_LOG_WRITTEN;
    if (was == LG_FORK_LOG_DEFERRED && lg_plat_log_create_forked() != 0)
        return; /* no log: the records go nowhere, as in any process without one */
    lg_plat_log_modules();
    lg_detector_replay();
}

int lg_fork_log_ends(void)
{
    if (lg_fork_log_state == LG_FORK_LOG_DEFERRED) {
        if (lg_plat_log_create_forked() != 0) {
            lg_fork_log_state = LG_FORK_LOG_WRITTEN; /* no log: nothing to write */
            return 0;
        }
        lg_fork_log_state = LG_FORK_LOG_SHORT;
    }
    return lg_fork_log_state == LG_FORK_LOG_WRITTEN;
}
