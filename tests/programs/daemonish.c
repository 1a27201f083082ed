/* daemonish MODE: a daemon-like program that gives up its standard descriptors and
 * then locks in ABBA order (daemon_worker_ab, daemon_worker_ba).
 *   close-fds   closes 0, 1 and 2
 *   devnull     dup2()s /dev/null over 2 (stderr)
 * It must not crash, and lockgraph's log must still be written and hold the
 * inversion (the live report has nowhere useful to go). */
#define _POSIX_C_SOURCE 200809L
#include "tp_util.h"
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;

static void *daemon_worker_ab(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock_a);
    pthread_mutex_lock(&lock_b);
    pthread_mutex_unlock(&lock_b);
    pthread_mutex_unlock(&lock_a);
    return NULL;
}

static void *daemon_worker_ba(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock_b);
    pthread_mutex_lock(&lock_a);
    pthread_mutex_unlock(&lock_a);
    pthread_mutex_unlock(&lock_b);
    return NULL;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "close-fds") == 0) {
        close(0);
        close(1);
        close(2);
    } else if (strcmp(mode, "devnull") == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd < 0 || dup2(fd, 2) != 2)
            return 3;
        close(fd);
    } else {
        fprintf(stderr, "usage: daemonish close-fds|devnull\n");
        return 2;
    }
    run_in_thread(daemon_worker_ab, NULL);
    run_in_thread(daemon_worker_ba, NULL);
    return 0;
}
