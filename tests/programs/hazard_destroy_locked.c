/* Destroying a lock that is held; the program goes on, prints what destroy
 * returned, and ends with "destroy: finished", exit 0.
 *   mutex   main locks a mutex and destroys it: glibc refuses with EBUSY (16);
 *           after the unlock a second destroy succeeds (0)
 *   rwlock  a helper thread read-locks an rwlock and keeps it; main destroys it
 *           (glibc accepts: 0)
 *   spin    main locks a spinlock and destroys it (glibc accepts: 0)
 * Expected: one `destroy-locked:` finding each. */
#include "hazard_util.h"

static pthread_rwlock_t rwlock = PTHREAD_RWLOCK_INITIALIZER;
static volatile int reading, done;

static void *reader(void *arg)
{
    (void)arg;
    hz_ok(pthread_rwlock_rdlock(&rwlock), "rdlock");
    hz_set_flag(&reading);
    hz_wait_flag(&done); /* the lock is gone: it is not unlocked */
    return NULL;
}

int main(int argc, char **argv)
{
    hz_init();
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "mutex")) {
        pthread_mutex_t m;
        hz_ok(pthread_mutex_init(&m, NULL), "mutex_init");
        hz_ok(pthread_mutex_lock(&m), "lock");
        printf("destroy: held mutex destroy returned %d\n", pthread_mutex_destroy(&m));
        hz_ok(pthread_mutex_unlock(&m), "unlock");
        printf("destroy: unlocked mutex destroy returned %d\n", pthread_mutex_destroy(&m));
    } else if (!strcmp(mode, "rwlock")) {
        pthread_t t = hz_spawn(reader, NULL);
        hz_wait_flag(&reading);
        printf("destroy: read-held rwlock destroy returned %d\n", pthread_rwlock_destroy(&rwlock));
        hz_set_flag(&done);
        pthread_join(t, NULL);
    } else if (!strcmp(mode, "spin")) {
        pthread_spinlock_t s;
        hz_ok(pthread_spin_init(&s, PTHREAD_PROCESS_PRIVATE), "spin_init");
        hz_ok(pthread_spin_lock(&s), "spin_lock");
        printf("destroy: held spinlock destroy returned %d\n", pthread_spin_destroy(&s));
    } else {
        fprintf(stderr, "usage: %s mutex|rwlock|spin\n", argv[0]);
        return 2;
    }
    printf("destroy: finished\n");
    return 0;
}
