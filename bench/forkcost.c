/* forkcost: what one fork costs a parent with a history (bench/server.sh, "fork").
 *
 * The parent uses H heap mutexes once each, every second one while holding the one
 * before it (H/2 lock-order edges), then forks N children one after another; each
 * child, by MODE:
 *   exit     _exit(0) at once
 *   exec     execs /bin/true at once
 *   newlock  takes a mutex the parent never used, then _exit(0)
 * and prints the medians over the N forks of fork()'s latency as the parent sees it,
 * of the child's completion (fork() to waitpid() returning) and of the CPU time the
 * child used (user + system, from RUSAGE_CHILDREN: unlike the wall times, it does
 * not include waiting for a CPU on a loaded machine), in microseconds:
 *   forkcost H=.. mode=.. n=.. fork_us=.. child_us=.. child_cpu_us=..
 * Numbers only; no pass/fail.
 *
 *   forkcost H MODE [N] */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_clock.h"

static double children_cpu_us(void)
{
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + ru.ru_utime.tv_usec +
           ru.ru_stime.tv_usec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: forkcost H exit|exec|newlock [N]\n");
        return 2;
    }
    long h = atol(argv[1]);
    const char *mode = argv[2];
    int n = argc > 3 ? atoi(argv[3]) : 30;
    if (n < 1 || h < 0)
        return 2;
    pthread_mutex_t *m = calloc((size_t)h + 1, sizeof *m);
    if (!m)
        return 3;
    for (long i = 0; i < h; i++) {
        pthread_mutex_init(&m[i], NULL);
        if (i % 2) {
            pthread_mutex_lock(&m[i - 1]);
            pthread_mutex_lock(&m[i]);
            pthread_mutex_unlock(&m[i]);
            pthread_mutex_unlock(&m[i - 1]);
        } else {
            pthread_mutex_lock(&m[i]);
            pthread_mutex_unlock(&m[i]);
        }
    }
    double *fork_us = calloc((size_t)n, sizeof *fork_us), *child_us = calloc((size_t)n, sizeof *child_us);
    double *cpu_us = calloc((size_t)n, sizeof *cpu_us);
    for (int k = 0; k < n; k++) {
        fflush(NULL);
        double c0 = children_cpu_us();
        double t0 = bench_secs(CLOCK_MONOTONIC) * 1e6;
        pid_t p = fork();
        if (p < 0)
            return 4;
        if (p == 0) {
            if (!strcmp(mode, "exec")) {
                execl("/bin/true", "true", (char *)NULL);
                _exit(5);
            }
            if (!strcmp(mode, "newlock")) {
                pthread_mutex_init(&m[h], NULL);
                pthread_mutex_lock(&m[h]);
                pthread_mutex_unlock(&m[h]);
            }
            _exit(0);
        }
        double t1 = bench_secs(CLOCK_MONOTONIC) * 1e6;
        int st;
        if (waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
            return 6;
        double t2 = bench_secs(CLOCK_MONOTONIC) * 1e6;
        fork_us[k] = t1 - t0;
        child_us[k] = t2 - t0;
        cpu_us[k] = children_cpu_us() - c0;
    }
    printf("forkcost H=%ld mode=%s n=%d fork_us=%.0f child_us=%.0f child_cpu_us=%.0f\n", h, mode,
           n, median(fork_us, n), median(child_us, n), median(cpu_us, n));
    return 0;
}
