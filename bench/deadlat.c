/* deadlat: deadlock-detection latency.  A program that deadlocks for real, and a
 * harness that measures how long the detector takes to end it.
 *
 *   deadlat abba|ring3          the deadlocking program: N threads (2 or 3) each take
 *                               lock i, meet at a barrier, print a CLOCK_MONOTONIC
 *                               timestamp, then block on lock (i+1) % N.
 *   deadlat --measure [--preload LIB] [--timeout S] abba|ring3
 *                               runs the program above as a child (with LD_PRELOAD=LIB
 *                               in the child only, so the harness is not traced) and
 *                               prints
 *   bench=deadlock_<case> latency_ms=<f|NA> exit=<status> status=<ended|timeout|...>
 *
 * Latency = child's end (waitpid return, same system-wide monotonic clock) minus the
 * latest "about to block" timestamp: the moment the cycle closes, to within the few
 * microseconds between the print and the blocking call. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_clock.h"

#define MAXT 3
static pthread_mutex_t locks[MAXT] = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
                                      PTHREAD_MUTEX_INITIALIZER};
static pthread_barrier_t meet;
static int nthreads;

static void *ring_thread(void *p)
{
    int i = (int)(intptr_t)p;
    pthread_mutex_lock(&locks[i]);
    pthread_barrier_wait(&meet);
    /* write(2), not stdio: a FILE lock taken while holding locks[i] would add edges
     * of its own to the graph under test. */
    char line[64];
    int n = snprintf(line, sizeof line, "blocking %llu\n", (unsigned long long)bench_now_ns());
    if (write(1, line, (size_t)n) != n)
        _exit(4);
    pthread_mutex_lock(&locks[(i + 1) % nthreads]);
    /* Only reached if the "deadlock" did not happen (it cannot, natively). */
    _exit(5);
}

static int run_program(const char *which, int timeout_s)
{
    nthreads = !strcmp(which, "abba") ? 2 : !strcmp(which, "ring3") ? 3 : 0;
    if (!nthreads) {
        fprintf(stderr, "deadlat: unknown case '%s' (abba, ring3)\n", which);
        return 2;
    }
    /* Bound the hang when nothing detects it (native run, detector missing). */
    alarm((unsigned)timeout_s);
    pthread_barrier_init(&meet, NULL, (unsigned)nthreads);
    pthread_t th[MAXT];
    for (int i = 0; i < nthreads; i++)
        pthread_create(&th[i], NULL, ring_thread, (void *)(intptr_t)i);
    for (int i = 0; i < nthreads; i++)
        pthread_join(th[i], NULL);
    return 0;
}

static int measure(const char *which, const char *preload, int timeout_s)
{
    int fds[2];
    if (pipe(fds))
        return 2;
    pid_t pid = fork();
    if (pid < 0)
        return 2;
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        if (preload)
            setenv("LD_PRELOAD", preload, 1);
        else
            unsetenv("LD_PRELOAD");
        char to[16];
        snprintf(to, sizeof to, "%d", timeout_s + 5);
        execl("/proc/self/exe", "deadlat", "--timeout", to, which, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    char buf[1024];
    size_t len = 0;
    uint64_t deadline = bench_now_ns() + (uint64_t)timeout_s * 1000000000u;
    int timed_out = 0;
    for (;;) {
        uint64_t t = bench_now_ns();
        if (t >= deadline) {
            timed_out = 1;
            break;
        }
        struct pollfd pf = {fds[0], POLLIN, 0};
        int r = poll(&pf, 1, (int)((deadline - t) / 1000000u) + 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            continue;
        ssize_t got = read(fds[0], buf + len, sizeof buf - 1 - len);
        if (got <= 0)
            break; /* EOF: the child (and its stdout) is gone */
        len += (size_t)got;
        if (len == sizeof buf - 1)
            break;
    }
    if (timed_out)
        kill(pid, SIGKILL);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    uint64_t end = bench_now_ns();
    close(fds[0]);
    buf[len] = 0;

    uint64_t last = 0;
    int seen = 0;
    for (char *p = buf; (p = strstr(p, "blocking ")); p++) {
        uint64_t v = strtoull(p + 9, NULL, 10);
        if (v > last)
            last = v;
        seen++;
    }
    int expect = !strcmp(which, "abba") ? 2 : 3;
    char exitbuf[32];
    if (WIFEXITED(st))
        snprintf(exitbuf, sizeof exitbuf, "%d", WEXITSTATUS(st));
    else
        snprintf(exitbuf, sizeof exitbuf, "sig%d", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    const char *status = timed_out ? "timeout"
                         : seen != expect ? "no-timestamps"
                         : WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM ? "undetected"
                                                                       : "ended";
    if (!strcmp(status, "ended"))
        printf("bench=deadlock_%s latency_ms=%.1f exit=%s status=%s\n", which,
               (double)(end - last) / 1e6, exitbuf, status);
    else
        printf("bench=deadlock_%s latency_ms=NA exit=%s status=%s\n", which, exitbuf,
               status);
    return 0;
}

int main(int argc, char **argv)
{
    int do_measure = 0, timeout_s = 20;
    const char *preload = NULL;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "--measure"))
            do_measure = 1;
        else if (!strcmp(argv[i], "--preload") && i + 1 < argc)
            preload = argv[++i];
        else if (!strcmp(argv[i], "--timeout") && i + 1 < argc)
            timeout_s = atoi(argv[++i]);
        else
            break;
    }
    if (i != argc - 1 || timeout_s <= 0) {
        fprintf(stderr, "usage: deadlat [--measure [--preload LIB]] [--timeout S] "
                        "abba|ring3\n");
        return 2;
    }
    return do_measure ? measure(argv[i], preload, timeout_s) : run_program(argv[i], timeout_s);
}
