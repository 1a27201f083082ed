/* Long waits that are not deadlocks; each ends with "no deadlock: finished", exit 0.
 *   condwait  a thread waits 3 s in pthread_cond_wait until main signals it (the
 *             waiter does not hold the mutex meanwhile: no long-hold either)
 *   slow      a thread holds S for 3 s (sleeping); main, holding H, waits for S;
 *             a third thread waits for H.  A chain of waits ending at a sleeping
 *             owner, no cycle. */
#include "hazard_util.h"

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int go; /* under mutex */
static volatile int waiting;

static pthread_mutex_t slow = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t held_by_main = PTHREAD_MUTEX_INITIALIZER;
static volatile int slow_held, main_holds_h;

static void *cond_waiter(void *arg)
{
    (void)arg;
    hz_ok(pthread_mutex_lock(&mutex), "lock");
    hz_set_flag(&waiting);
    while (!go)
        hz_ok(pthread_cond_wait(&cond, &mutex), "cond_wait");
    hz_ok(pthread_mutex_unlock(&mutex), "unlock");
    return NULL;
}

static void *slow_owner(void *arg)
{
    (void)arg;
    hz_ok(pthread_mutex_lock(&slow), "lock S");
    hz_set_flag(&slow_held);
    hz_sleep_ms(3000);
    hz_ok(pthread_mutex_unlock(&slow), "unlock S");
    return NULL;
}

static void *wants_h(void *arg)
{
    (void)arg;
    hz_wait_flag(&main_holds_h);
    hz_ok(pthread_mutex_lock(&held_by_main), "lock H");
    hz_ok(pthread_mutex_unlock(&held_by_main), "unlock H");
    return NULL;
}

int main(int argc, char **argv)
{
    hz_init();
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "condwait")) {
        pthread_t t = hz_spawn(cond_waiter, NULL);
        hz_wait_flag(&waiting);
        hz_sleep_ms(3000);
        hz_ok(pthread_mutex_lock(&mutex), "lock");
        go = 1;
        hz_ok(pthread_cond_signal(&cond), "cond_signal");
        hz_ok(pthread_mutex_unlock(&mutex), "unlock");
        pthread_join(t, NULL);
    } else if (!strcmp(mode, "slow")) {
        pthread_t s = hz_spawn(slow_owner, NULL);
        hz_wait_flag(&slow_held);
        hz_ok(pthread_mutex_lock(&held_by_main), "lock H");
        pthread_t w = hz_spawn(wants_h, NULL);
        hz_set_flag(&main_holds_h);
        hz_ok(pthread_mutex_lock(&slow), "lock S"); /* waits ~3 s */
        hz_ok(pthread_mutex_unlock(&slow), "unlock S");
        hz_ok(pthread_mutex_unlock(&held_by_main), "unlock H");
        pthread_join(s, NULL);
        pthread_join(w, NULL);
    } else {
        fprintf(stderr, "usage: %s condwait|slow\n", argv[0]);
        return 2;
    }
    printf("no deadlock: finished\n");
    return 0;
}
