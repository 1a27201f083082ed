/* Stress: exit() while other threads still hold and take locks.  Twelve threads:
 * some lock and unlock shared mutexes, an rwlock and a spinlock in a loop, some hold
 * a lock while sleeping, some wait for those locks, some sit in pthread_cond_wait.
 * After 300 ms, exit(0) is called from main ("main") or from one of the threads
 * ("thread").  Correct program (exit is allowed to end threads that hold locks): no
 * finding, exit status 0, "stress exit: exiting" printed. */
#include "hazard_util.h"

static pthread_mutex_t busy_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t busy_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t sleepy = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t table = PTHREAD_RWLOCK_INITIALIZER;
static pthread_spinlock_t spin;
static pthread_mutex_t cond_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long count;

static void *looper(void *arg)
{
    (void)arg;
    for (long i = 0;; i++) {
        hz_ok(pthread_mutex_lock(&busy_a), "a");
        hz_ok(pthread_mutex_lock(&busy_b), "b");
        count++;
        hz_ok(pthread_mutex_unlock(&busy_b), "unlock b");
        hz_ok(pthread_mutex_unlock(&busy_a), "unlock a");
        hz_ok(i & 1 ? pthread_rwlock_rdlock(&table) : pthread_rwlock_wrlock(&table), "rw");
        hz_ok(pthread_rwlock_unlock(&table), "rw unlock");
        hz_ok(pthread_spin_lock(&spin), "spin");
        hz_ok(pthread_spin_unlock(&spin), "spin unlock");
    }
    return NULL;
}

static void *sleeper(void *arg)
{
    (void)arg;
    for (;;) {
        hz_ok(pthread_mutex_lock(&sleepy), "sleepy");
        hz_ok(pthread_mutex_lock(&busy_a), "a"); /* sleepy -> a, like nobody else */
        hz_sleep_ms(5);
        hz_ok(pthread_mutex_unlock(&busy_a), "unlock a");
        hz_sleep_ms(20);
        hz_ok(pthread_mutex_unlock(&sleepy), "unlock sleepy");
    }
    return NULL;
}

static void *waiter(void *arg)
{
    (void)arg;
    hz_ok(pthread_mutex_lock(&cond_lock), "cond lock");
    for (;;)
        hz_ok(pthread_cond_wait(&cond, &cond_lock), "cond_wait");
    return NULL;
}

static void *exiter(void *arg)
{
    (void)arg;
    hz_sleep_ms(300);
    hz_ok(pthread_mutex_lock(&busy_a), "a");
    printf("stress exit: exiting\n");
    exit(0); /* holding busy_a */
}

int main(int argc, char **argv)
{
    hz_init();
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "main") && strcmp(mode, "thread")) {
        fprintf(stderr, "usage: %s main|thread\n", argv[0]);
        return 2;
    }
    hz_ok(pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE), "spin_init");
    for (int i = 0; i < 6; i++)
        hz_spawn(looper, NULL);
    for (int i = 0; i < 3; i++)
        hz_spawn(sleeper, NULL);
    for (int i = 0; i < 3; i++)
        hz_spawn(waiter, NULL);
    if (!strcmp(mode, "thread")) {
        hz_spawn(exiter, NULL);
        for (;;)
            hz_sleep_ms(1000);
    }
    hz_sleep_ms(300);
    hz_ok(pthread_mutex_lock(&busy_b), "b");
    printf("stress exit: exiting\n");
    exit(0); /* holding busy_b */
}
