/* slot_reuse: an ended thread's state is reused by the next thread; what an old
 * thread did must still be told as its own.
 *
 * Thread "first" takes a then b and ends (joined); thread "second" (which gets the
 * slot "first" had) takes b then a: a lock-order inversion whose two sides are the
 * two threads, named.  Then a fork child takes a then b and exits: its log replays
 * the history, "first" included.  tests/soak/server_cases.py checks the live report names
 * both threads and that every log reads. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER;

static void *first(void *arg)
{
    pthread_setname_np(pthread_self(), "first");
    pthread_mutex_lock(&a);
    pthread_mutex_lock(&b);
    pthread_mutex_unlock(&b);
    pthread_mutex_unlock(&a);
    return arg;
}

static void *second(void *arg)
{
    pthread_setname_np(pthread_self(), "second");
    pthread_mutex_lock(&b);
    pthread_mutex_lock(&a);
    pthread_mutex_unlock(&a);
    pthread_mutex_unlock(&b);
    return arg;
}

static void *plain(void *arg) { return arg; }

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, first, NULL);
    pthread_join(t, NULL);
    /* a few short threads between: the slots go round */
    for (int i = 0; i < 50; i++) {
        pthread_create(&t, NULL, plain, NULL);
        pthread_join(t, NULL);
    }
    usleep(300000); /* let a watchdog pass end: the slot is reusable for sure */
    pthread_create(&t, NULL, second, NULL);
    pthread_join(t, NULL);
    pid_t p = fork();
    if (p == 0) {
        pthread_mutex_lock(&a);
        pthread_mutex_lock(&b);
        pthread_mutex_unlock(&b);
        pthread_mutex_unlock(&a);
        _exit(0);
    }
    int st = 0;
    waitpid(p, &st, 0);
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}
