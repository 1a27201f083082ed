/* capture_small_stack: lock-order work on stacks too small for a full capture.
 * Threads made with PTHREAD_STACK_MIN take new heap locks under a global one, and
 * an inversion a -> b / b -> a (threads one after the other: no real deadlock); a
 * signal handler on a 16 KiB alternate stack takes new chains too.  Natively it
 * exits 0.  Under the shim it must too (a capture that overflowed these stacks
 * killed it with SIGSEGV), and the inversion must still be found
 * (tests/integration/it_capture.py, case small-stacks). */
#define _GNU_SOURCE
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t h = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t hm[16];

static void on_usr1(int sig)
{
    (void)sig;
    for (int i = 0; i < 16; i++) { /* new chains h -> hm[i], on the alternate stack */
        pthread_mutex_lock(&h);
        pthread_mutex_lock(&hm[i]);
        pthread_mutex_unlock(&hm[i]);
        pthread_mutex_unlock(&h);
    }
}

static void *a_then_b(void *arg)
{
    (void)arg;
    pthread_mutex_t *m = malloc(64 * sizeof *m);
    for (int i = 0; i < 64; i++) { /* new instance chains a -> m[i] */
        pthread_mutex_init(&m[i], NULL);
        pthread_mutex_lock(&a);
        pthread_mutex_lock(&m[i]);
        pthread_mutex_unlock(&m[i]);
        pthread_mutex_unlock(&a);
    }
    pthread_mutex_lock(&a);
    pthread_mutex_lock(&b);
    pthread_mutex_unlock(&b);
    pthread_mutex_unlock(&a);
    for (int i = 0; i < 64; i++)
        pthread_mutex_destroy(&m[i]);
    free(m);
    return NULL;
}

static void *b_then_a(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&b);
    pthread_mutex_lock(&a);
    pthread_mutex_unlock(&a);
    pthread_mutex_unlock(&b);
    return NULL;
}

int main(void)
{
    for (int i = 0; i < 16; i++)
        pthread_mutex_init(&hm[i], NULL);
    stack_t ss = {.ss_sp = malloc(16384), .ss_size = 16384};
    struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = SA_ONSTACK};
    if (!ss.ss_sp || sigaltstack(&ss, NULL) != 0 || sigaction(SIGUSR1, &sa, NULL) != 0) {
        perror("sigaltstack");
        return 2;
    }
    raise(SIGUSR1);
    pthread_attr_t at;
    pthread_attr_init(&at);
    if (pthread_attr_setstacksize(&at, PTHREAD_STACK_MIN) != 0)
        return 2;
    void *(*fn[2])(void *) = {a_then_b, b_then_a};
    for (int i = 0; i < 2; i++) {
        pthread_t t;
        if (pthread_create(&t, &at, fn[i], NULL) != 0) {
            perror("pthread_create");
            return 2;
        }
        pthread_join(t, NULL);
    }
    puts("done");
    return 0;
}
