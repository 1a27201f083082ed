/* Condition waits with a "mutex" the caller does not hold; the program goes on,
 * prints what the waits returned, and ends with "cond wait: finished", exit 0.
 *   held    the correct use: main locks the mutex, waits 100 ms, unlocks.  Nothing
 *           to report.
 *   unheld  main waits 100 ms with a mutex nobody holds: glibc unlocks it (no-op),
 *           times out (110) and returns with the mutex locked by main, which main
 *           then unlocks.  Expected: one `bad-cond-wait:` finding (no flag) and no
 *           bad-unlock (the shim's model has main holding it after the wait).
 *   other   a helper locks the mutex and keeps it 1.5 s; meanwhile main waits
 *           100 ms with it: glibc ends the helper's hold, main gets the mutex after
 *           the timeout and unlocks it.  When the helper unlocks it, it is not
 *           locked.  Expected: one `bad-cond-wait: ... [not_owner]`, one
 *           `bad-unlock:` (the helper's, of a mutex that is not locked) and no
 *           long-hold even with a 500 ms threshold (the helper's hold ended when
 *           main's wait began).
 *   rwlock  main passes an rwlock (known to the shim: read-locked before) as the
 *           mutex.  Expected: one `bad-cond-wait: ... [not_mutex]`. */
#include "hazard_util.h"

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static volatile int holding, waited;

static int wait_100ms(pthread_mutex_t *m)
{
    struct timespec at = hz_deadline_ms(100);
    return pthread_cond_timedwait(&cond, m, &at);
}

static void *holder(void *arg)
{
    (void)arg;
    hz_ok(pthread_mutex_lock(&mutex), "helper lock");
    hz_set_flag(&holding);
    hz_sleep_ms(1500);
    printf("cond wait: helper unlock returned %d (after main's wait: %d)\n",
           pthread_mutex_unlock(&mutex), __atomic_load_n(&waited, __ATOMIC_ACQUIRE));
    return NULL;
}

int main(int argc, char **argv)
{
    hz_init();
    const char *sort = argc > 1 ? argv[1] : "";
    if (!strcmp(sort, "held")) {
        hz_ok(pthread_mutex_lock(&mutex), "lock");
        printf("cond wait: held wait returned %d\n", wait_100ms(&mutex));
        hz_ok(pthread_mutex_unlock(&mutex), "unlock");
    } else if (!strcmp(sort, "unheld")) {
        printf("cond wait: unheld wait returned %d\n", wait_100ms(&mutex));
        printf("cond wait: unlock after the wait returned %d\n", pthread_mutex_unlock(&mutex));
    } else if (!strcmp(sort, "other")) {
        pthread_t t = hz_spawn(holder, NULL);
        hz_wait_flag(&holding);
        printf("cond wait: other wait returned %d\n", wait_100ms(&mutex));
        printf("cond wait: unlock after the wait returned %d\n", pthread_mutex_unlock(&mutex));
        hz_set_flag(&waited);
        pthread_join(t, NULL);
    } else if (!strcmp(sort, "rwlock")) {
        /* room for glibc to read it as a mutex: an rwlock is larger */
        static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
        _Static_assert(sizeof rw >= sizeof(pthread_mutex_t), "rwlock smaller than a mutex");
        hz_ok(pthread_rwlock_rdlock(&rw), "rdlock");
        hz_ok(pthread_rwlock_unlock(&rw), "rwlock unlock");
        printf("cond wait: rwlock wait returned %d\n", wait_100ms((pthread_mutex_t *)&rw));
    } else {
        fprintf(stderr, "usage: %s held|unheld|other|rwlock\n", argv[0]);
        return 2;
    }
    printf("cond wait: finished\n");
    return 0;
}
