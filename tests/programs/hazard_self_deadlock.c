/* Self-deadlock: a thread re-locks a lock it holds and would wait forever.
 *   mutex   a normal mutex locked twice
 *   spin    a spinlock locked twice
 *   rwlock  an rwlock held for reading, then asked for writing (an "upgrade")
 * It happens in a second thread (main joins it).  Expected: `self-deadlock: ...`,
 * then the deadlock policy: exit 86.  "... relock returned" is never printed. */
#include "hazard_util.h"

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_spinlock_t spin;
static pthread_rwlock_t rwlock = PTHREAD_RWLOCK_INITIALIZER;

static void *relock_mutex(void *arg)
{
    (void)arg;
    hz_ok(pthread_mutex_lock(&mutex), "first lock");
    printf("self mutex: locked once\n");
    int rc = pthread_mutex_lock(&mutex);
    printf("self mutex: relock returned %d\n", rc);
    return NULL;
}

static void *relock_spin(void *arg)
{
    (void)arg;
    hz_ok(pthread_spin_lock(&spin), "first spin_lock");
    printf("self spin: locked once\n");
    int rc = pthread_spin_lock(&spin);
    printf("self spin: relock returned %d\n", rc);
    return NULL;
}

static void *upgrade_rwlock(void *arg)
{
    (void)arg;
    hz_ok(pthread_rwlock_rdlock(&rwlock), "rdlock");
    printf("self rwlock: read-locked\n");
    int rc = pthread_rwlock_wrlock(&rwlock);
    printf("self rwlock: relock returned %d\n", rc);
    return NULL;
}

int main(int argc, char **argv)
{
    hz_init();
    const char *mode = argc > 1 ? argv[1] : "";
    void *(*fn)(void *) = !strcmp(mode, "mutex")  ? relock_mutex
                          : !strcmp(mode, "spin")   ? relock_spin
                          : !strcmp(mode, "rwlock") ? upgrade_rwlock
                                                    : NULL;
    if (!fn) {
        fprintf(stderr, "usage: %s mutex|spin|rwlock\n", argv[0]);
        return 2;
    }
    hz_ok(pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE), "spin_init");
    pthread_join(hz_spawn(fn, NULL), NULL);
    printf("self %s: finished\n", mode);
    return 0;
}
