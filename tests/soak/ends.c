/* ends: a process that ends in one way, chosen by argv[1], after taking a lock in
 * two threads (so that the log has threads, a lock and statistics to finish):
 *   exit, _exit, _Exit, return, exec (execs /bin/true), fork_exit (a fork child
 *   leaves through _exit, the parent returns), fork_exit_normal (the child calls
 *   exit), fork_return (the child returns from main), signal_exit (a SIGTERM handler
 *   calls exit), signal__exit (a SIGTERM handler calls _exit), pthread_exit (main
 *   calls pthread_exit while another thread runs; the last thread ends the process),
 *   thread_exit (a thread other than main calls exit), abort_handled (SIGABRT
 *   handler calls _exit), sigterm_default (killed by SIGTERM with the default
 *   action), sigkill (killed by SIGKILL).
 * tests/soak/server_cases.py runs each under the shim and checks which logs are finished
 * (docs/shim.md, "How a log ends"). */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

static void *touch(void *arg)
{
    pthread_mutex_lock(&m);
    pthread_mutex_unlock(&m);
    return arg;
}

static void *late(void *arg)
{
    (void)arg;
    usleep(100000);
    touch(NULL);
    return NULL;
}

static void *exiter(void *arg)
{
    (void)arg;
    touch(NULL);
    exit(0);
}

static void on_term_exit(int sig)
{
    (void)sig;
    exit(0);
}

static void on_term__exit(int sig)
{
    (void)sig;
    _exit(0);
}

static int child_then(const char *how)
{
    pid_t p = fork();
    if (p < 0)
        return 1;
    if (p == 0) {
        touch(NULL);
        if (strcmp(how, "_exit") == 0)
            _exit(0);
        if (strcmp(how, "exit") == 0)
            exit(0);
        return 0; /* fork_return: the child returns from main */
    }
    int st;
    waitpid(p, &st, 0);
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    const char *how = argc > 1 ? argv[1] : "return";
    pthread_t t;
    pthread_create(&t, NULL, touch, NULL);
    pthread_join(t, NULL);
    touch(NULL);
    if (!strcmp(how, "exit"))
        exit(0);
    if (!strcmp(how, "_exit"))
        _exit(0);
    if (!strcmp(how, "_Exit"))
        _Exit(0);
    if (!strcmp(how, "exec")) {
        execl("/bin/true", "true", (char *)NULL);
        return 1;
    }
    if (!strcmp(how, "fork_exit"))
        return child_then("_exit");
    if (!strcmp(how, "fork_exit_normal"))
        return child_then("exit");
    if (!strcmp(how, "fork_return"))
        return child_then("return");
    if (!strcmp(how, "signal_exit") || !strcmp(how, "signal__exit")) {
        signal(SIGTERM, !strcmp(how, "signal_exit") ? on_term_exit : on_term__exit);
        raise(SIGTERM);
        return 1;
    }
    if (!strcmp(how, "abort_handled")) {
        signal(SIGABRT, on_term__exit);
        abort();
    }
    if (!strcmp(how, "pthread_exit")) {
        pthread_create(&t, NULL, late, NULL);
        pthread_exit(NULL);
    }
    if (!strcmp(how, "thread_exit")) {
        pthread_create(&t, NULL, exiter, NULL);
        pthread_join(t, NULL);
        return 1;
    }
    if (!strcmp(how, "sigterm_default"))
        raise(SIGTERM);
    if (!strcmp(how, "sigkill"))
        raise(SIGKILL);
    return 0;
}
