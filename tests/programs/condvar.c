/* condvar MODE: pthread_cond_wait releases its mutex while waiting and takes it
 * again before returning.
 *   wait      waiter() waits on cv with M for about 1.2 s while signaler() takes M
 *             and signals.  M is not held during the wait: no finding at all (no
 *             long-hold either, with the default 1000 ms threshold).
 *   reacquire waiter_holding_b() locks M, then B, then waits on cv with M: the wait
 *             gives M back and takes it again while B is held, which is the order
 *             B -> M.  Later m_then_b() takes M then B.  If m_then_b() ran while the
 *             waiter sleeps holding B, it would hold M and wait for B forever, and
 *             nobody could signal.  An inversion on {M, B} whose B -> M half exists
 *             only through the re-acquisition inside pthread_cond_wait.
 */
#define _POSIX_C_SOURCE 200809L
#include "tp_util.h"
#include <string.h>

static pthread_mutex_t mutex_m = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int ready;
static long signal_delay_ms;

static void *waiter(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&mutex_m);
    while (!ready)
        pthread_cond_wait(&cv, &mutex_m);
    pthread_mutex_unlock(&mutex_m);
    return NULL;
}

static void *waiter_holding_b(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&mutex_m);
    pthread_mutex_lock(&lock_b);
    while (!ready)
        pthread_cond_wait(&cv, &mutex_m); /* re-takes M while B is held */
    pthread_mutex_unlock(&lock_b);
    pthread_mutex_unlock(&mutex_m);
    return NULL;
}

static void *signaler(void *arg)
{
    (void)arg;
    sleep_ms(signal_delay_ms); /* the waiter is (almost surely) waiting by now */
    pthread_mutex_lock(&mutex_m);
    ready = 1;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mutex_m);
    return NULL;
}

static void *m_then_b(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&mutex_m);
    pthread_mutex_lock(&lock_b);
    pthread_mutex_unlock(&lock_b);
    pthread_mutex_unlock(&mutex_m);
    return NULL;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    void *(*wait_fn)(void *);

    if (strcmp(mode, "wait") == 0) {
        wait_fn = waiter;
        signal_delay_ms = 1200;
    } else if (strcmp(mode, "reacquire") == 0) {
        wait_fn = waiter_holding_b;
        signal_delay_ms = 100;
    } else {
        fprintf(stderr, "usage: condvar wait|reacquire\n");
        return 2;
    }

    pthread_t w, s;
    check(pthread_create(&w, NULL, wait_fn, NULL), "create");
    check(pthread_create(&s, NULL, signaler, NULL), "create");
    pthread_join(s, NULL);
    pthread_join(w, NULL);
    if (wait_fn == waiter_holding_b)
        run_in_thread(m_then_b, NULL);
    printf("condvar %s done\n", mode);
    return 0;
}
