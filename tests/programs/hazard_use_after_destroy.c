/* Calls on destroyed locks, and the legitimate ways to use an address again; the
 * program prints what each call returned and ends with "destroy use: finished",
 * exit 0.  Each lock is locked and unlocked once (so the shim knows it), then
 * destroyed, then:
 *   mutex-lock     locked again: glibc refuses (EINVAL, 22)
 *   mutex-unlock   unlocked: refused (22)
 *   mutex-destroy  destroyed again (glibc: 0)
 *   mtx-lock       a C11 mtx_t, locked again (thrd_error, 2)
 *   rwlock-lock    an rwlock, read-locked again (glibc does not notice: 0)
 *   spin-lock      a spinlock, locked again (0)
 *   Expected: one `use-after-destroy:` finding each.
 * Silent (nothing to report):
 *   reinit         a mutex and an rwlock re-initialised after the destroy, then used
 *   assign         a mutex set to PTHREAD_MUTEX_INITIALIZER after the destroy, used
 *   reuse          a heap rwlock and spinlock destroyed and freed; a new block of the
 *                  same size (the same address: printed) holds new ones (the rwlock
 *                  set up by assignment, the spinlock by pthread_spin_init), used */
#include "hazard_util.h"

#include <threads.h>

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t rwlock = PTHREAD_RWLOCK_INITIALIZER;
static pthread_spinlock_t spin;
static mtx_t mtx;

static void use_mutex(void)
{
    hz_ok(pthread_mutex_lock(&mutex), "mutex lock");
    hz_ok(pthread_mutex_unlock(&mutex), "mutex unlock");
}

static void use_rwlock(pthread_rwlock_t *rw)
{
    hz_ok(pthread_rwlock_rdlock(rw), "rdlock");
    hz_ok(pthread_rwlock_unlock(rw), "rwlock unlock");
}

struct heap_locks {
    pthread_rwlock_t rw;
    pthread_spinlock_t spin;
};

static void reuse(void)
{
    struct heap_locks *h = malloc(sizeof *h);
    if (!h)
        exit(3);
    hz_ok(pthread_rwlock_init(&h->rw, NULL), "rwlock init");
    hz_ok(pthread_spin_init(&h->spin, PTHREAD_PROCESS_PRIVATE), "spin init");
    use_rwlock(&h->rw);
    hz_ok(pthread_spin_lock(&h->spin), "spin lock");
    hz_ok(pthread_spin_unlock(&h->spin), "spin unlock");
    hz_ok(pthread_rwlock_destroy(&h->rw), "rwlock destroy");
    hz_ok(pthread_spin_destroy(&h->spin), "spin destroy");
    void *old = h;
    free(h);
    h = malloc(sizeof *h);
    if (!h)
        exit(3);
    printf("destroy use: same address %d\n", (void *)h == old);
    /* the rwlock by assignment: no call tells the shim the lock is new but the
     * free; a spinlock has no static initializer (its init is a re-init) */
    h->rw = (pthread_rwlock_t)PTHREAD_RWLOCK_INITIALIZER;
    hz_ok(pthread_spin_init(&h->spin, PTHREAD_PROCESS_PRIVATE), "new spin init");
    use_rwlock(&h->rw);
    printf("destroy use: new spin lock returned %d\n", pthread_spin_lock(&h->spin));
    hz_ok(pthread_spin_unlock(&h->spin), "spin unlock");
    free(h);
}

int main(int argc, char **argv)
{
    hz_init();
    const char *sort = argc > 1 ? argv[1] : "";
    hz_ok(pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE), "spin init");
    if (!strcmp(sort, "mutex-lock") || !strcmp(sort, "mutex-unlock") ||
        !strcmp(sort, "mutex-destroy")) {
        use_mutex();
        hz_ok(pthread_mutex_destroy(&mutex), "destroy");
        int r = !strcmp(sort, "mutex-lock")     ? pthread_mutex_lock(&mutex)
                : !strcmp(sort, "mutex-unlock") ? pthread_mutex_unlock(&mutex)
                                                : pthread_mutex_destroy(&mutex);
        printf("destroy use: %s returned %d\n", sort, r);
    } else if (!strcmp(sort, "mtx-lock")) {
        if (mtx_init(&mtx, mtx_plain) != thrd_success || mtx_lock(&mtx) != thrd_success ||
            mtx_unlock(&mtx) != thrd_success)
            exit(3);
        mtx_destroy(&mtx);
        printf("destroy use: mtx-lock returned %d\n", mtx_lock(&mtx));
    } else if (!strcmp(sort, "rwlock-lock")) {
        use_rwlock(&rwlock);
        hz_ok(pthread_rwlock_destroy(&rwlock), "destroy");
        printf("destroy use: rwlock-lock returned %d\n", pthread_rwlock_rdlock(&rwlock));
        pthread_rwlock_unlock(&rwlock);
    } else if (!strcmp(sort, "spin-lock")) {
        hz_ok(pthread_spin_lock(&spin), "spin lock");
        hz_ok(pthread_spin_unlock(&spin), "spin unlock");
        hz_ok(pthread_spin_destroy(&spin), "destroy");
        printf("destroy use: spin-lock returned %d\n", pthread_spin_lock(&spin));
        pthread_spin_unlock(&spin);
    } else if (!strcmp(sort, "reinit")) {
        use_mutex();
        hz_ok(pthread_mutex_destroy(&mutex), "destroy");
        hz_ok(pthread_mutex_init(&mutex, NULL), "re-init");
        use_mutex();
        use_rwlock(&rwlock);
        hz_ok(pthread_rwlock_destroy(&rwlock), "rwlock destroy");
        hz_ok(pthread_rwlock_init(&rwlock, NULL), "rwlock re-init");
        use_rwlock(&rwlock);
        printf("destroy use: reinit done\n");
    } else if (!strcmp(sort, "assign")) {
        use_mutex();
        hz_ok(pthread_mutex_destroy(&mutex), "destroy");
        mutex = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
        use_mutex();
        hz_ok(pthread_mutex_destroy(&mutex), "second destroy");
        printf("destroy use: assign done\n");
    } else if (!strcmp(sort, "reuse")) {
        reuse();
    } else {
        fprintf(stderr, "usage: %s mutex-lock|mutex-unlock|mutex-destroy|mtx-lock|"
                        "rwlock-lock|spin-lock|reinit|assign|reuse\n", argv[0]);
        return 2;
    }
    printf("destroy use: finished\n");
    return 0;
}
