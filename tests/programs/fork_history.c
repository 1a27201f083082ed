/* fork_history: a fork child of a parent with a large history, ending in one of
 * several ways.  The parent has a lock-order inversion between two threads (a -> b,
 * then b -> a) and N more heap mutexes, each taken once (N LOCK records), then forks
 * once.  The child, by MODE:
 *   exit     _exit(0) at once
 *   exec     execs /bin/true at once
 *   known    takes a (known lock, nothing held), then _exit(0)
 *   newlock  takes a mutex the parent never used, then _exit(0)
 *   execfail execs a program that does not exist, then does as newlock
 *   return   returns from main (exit, destructors)
 * Prints "child PID".  Exit status: the child's.  tests/integration/it_fork_log.py
 * checks what the child's log holds (docs/shim.md "fork").
 *
 *   tp_fork_history N MODE */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER;

static void *a_then_b(void *arg)
{
    pthread_mutex_lock(&a);
    pthread_mutex_lock(&b);
    pthread_mutex_unlock(&b);
    pthread_mutex_unlock(&a);
    return arg;
}

static void *b_then_a(void *arg)
{
    pthread_mutex_lock(&b);
    pthread_mutex_lock(&a);
    pthread_mutex_unlock(&a);
    pthread_mutex_unlock(&b);
    return arg;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: tp_fork_history N exit|exec|known|newlock|execfail|return\n");
        return 2;
    }
    long n = atol(argv[1]);
    const char *mode = argv[2];
    pthread_t t;
    pthread_create(&t, NULL, a_then_b, NULL);
    pthread_join(t, NULL);
    pthread_create(&t, NULL, b_then_a, NULL);
    pthread_join(t, NULL);
    pthread_mutex_t *m = calloc((size_t)n, sizeof *m);
    for (long i = 0; i < n; i++) {
        pthread_mutex_init(&m[i], NULL);
        pthread_mutex_lock(&m[i]);
        pthread_mutex_unlock(&m[i]);
    }
    fflush(stdout);
    pid_t p = fork();
    if (p < 0)
        return 3;
    if (p == 0) {
        if (!strcmp(mode, "exit"))
            _exit(0);
        if (!strcmp(mode, "exec")) {
            execl("/bin/true", "true", (char *)NULL);
            _exit(4);
        }
        if (!strcmp(mode, "known")) {
            pthread_mutex_lock(&a);
            pthread_mutex_unlock(&a);
            _exit(0);
        }
        if (!strcmp(mode, "execfail"))
            execl("/nonexistent/lockgraph-test", "none", (char *)NULL);
        if (!strcmp(mode, "newlock") || !strcmp(mode, "execfail")) {
            static pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
            pthread_mutex_lock(&fresh);
            pthread_mutex_unlock(&fresh);
            _exit(0);
        }
        if (!strcmp(mode, "return"))
            return 0;
        _exit(5);
    }
    printf("child %d\n", (int)p);
    fflush(stdout);
    int st = 0;
    if (waitpid(p, &st, 0) != p)
        return 6;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 7;
}
