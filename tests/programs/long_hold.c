/* long_hold [main]: a lock held for 800 ms while nobody else wants it (run with
 * --hold-threshold-ms 500), in a worker thread, or with "main" in the main thread
 * while another thread exists.  "Held longer than the threshold" depends neither on
 * contention nor on which thread holds it: lockgraph must report one long-hold
 * naming hold_config_lock(), and nothing else.  (A process that never has a second
 * thread is not timed at all: docs/cli.md, "Long holds".) */
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

/* A second thread that only waits (on a condvar, holding nothing). */
static pthread_mutex_t idle_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t idle_cond = PTHREAD_COND_INITIALIZER;
static int idle_done;

static void *idle_thread(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&idle_lock);
    while (!idle_done)
        pthread_cond_wait(&idle_cond, &idle_lock);
    pthread_mutex_unlock(&idle_lock);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "main") == 0) {
        pthread_t idle;
        pthread_create(&idle, NULL, idle_thread, NULL);
        hold_config_lock(NULL);
        pthread_mutex_lock(&idle_lock);
        idle_done = 1;
        pthread_cond_signal(&idle_cond);
        pthread_mutex_unlock(&idle_lock);
        pthread_join(idle, NULL);
    } else
        run_in_thread(hold_config_lock, NULL);
    printf("long hold done\n");
    return 0;
}
