/* long_hold [main]: a lock held for 800 ms while nobody else wants it (run with
 * --hold-threshold-ms 500), in a worker thread, or with "main" in the main thread.
 * "Held longer than the threshold" depends neither on contention nor on the thread:
 * lockgraph must report one long-hold naming hold_config_lock(), and nothing else. */
#define _POSIX_C_SOURCE 200809L
#include "tp_util.h"
#include <string.h>

static pthread_mutex_t config_lock = PTHREAD_MUTEX_INITIALIZER;

static void *hold_config_lock(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&config_lock);
    sleep_ms(800); /* e.g. re-reading a configuration file over a slow mount */
    pthread_mutex_unlock(&config_lock);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "main") == 0)
        hold_config_lock(NULL);
    else
        run_in_thread(hold_config_lock, NULL);
    printf("long hold done\n");
    return 0;
}
