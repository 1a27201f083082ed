/* rwlocks MODE: reader/writer locks in opposite orders.
 *   read-read          two default rwlocks X, Y: read X then read Y in one thread,
 *                      read Y then read X in another.  glibc's default rwlock
 *                      prefers readers (a reader never waits while only readers hold
 *                      it), so this cannot deadlock: no finding.
 *   write-write        the same with write locks: an inversion.
 *   read-mutex-readerpref   default rwlock RW and mutex M: rd(RW) -> M in one thread,
 *                      M -> rd(RW) in another.  The reader waiting for RW is never
 *                      blocked by the other reader: no finding.
 *   read-mutex-writerpref   the same with RW created with
 *                      PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP: a writer queued
 *                      on RW blocks new readers, so thread 1 (holding RW for reading,
 *                      waiting for M), a writer (waiting for RW) and thread 2
 *                      (holding M, waiting to read RW) deadlock: an inversion.
 */
#define _GNU_SOURCE
#include "tp_util.h"
#include <string.h>

static pthread_rwlock_t rw_x = PTHREAD_RWLOCK_INITIALIZER;
static pthread_rwlock_t rw_y = PTHREAD_RWLOCK_INITIALIZER;
static pthread_rwlock_t rw_pref; /* initialised in main */
static pthread_mutex_t mutex_m = PTHREAD_MUTEX_INITIALIZER;
static int write_mode;

static void take(pthread_rwlock_t *l)
{
    check(write_mode ? pthread_rwlock_wrlock(l) : pthread_rwlock_rdlock(l), "rwlock");
}

static void *rw_x_then_y(void *arg)
{
    (void)arg;
    take(&rw_x);
    take(&rw_y);
    pthread_rwlock_unlock(&rw_y);
    pthread_rwlock_unlock(&rw_x);
    return NULL;
}

static void *rw_y_then_x(void *arg)
{
    (void)arg;
    take(&rw_y);
    take(&rw_x);
    pthread_rwlock_unlock(&rw_x);
    pthread_rwlock_unlock(&rw_y);
    return NULL;
}

static void *read_rw_then_mutex(void *arg)
{
    (void)arg;
    check(pthread_rwlock_rdlock(&rw_pref), "rdlock");
    check(pthread_mutex_lock(&mutex_m), "lock M");
    pthread_mutex_unlock(&mutex_m);
    pthread_rwlock_unlock(&rw_pref);
    return NULL;
}

static void *mutex_then_read_rw(void *arg)
{
    (void)arg;
    check(pthread_mutex_lock(&mutex_m), "lock M");
    check(pthread_rwlock_rdlock(&rw_pref), "rdlock");
    pthread_rwlock_unlock(&rw_pref);
    pthread_mutex_unlock(&mutex_m);
    return NULL;
}

/* The writer that makes the writer-preferring case dangerous (it never overlaps
 * with the others here). */
static void *writer(void *arg)
{
    (void)arg;
    check(pthread_rwlock_wrlock(&rw_pref), "wrlock");
    pthread_rwlock_unlock(&rw_pref);
    return NULL;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";

    if (strcmp(mode, "read-read") == 0 || strcmp(mode, "write-write") == 0) {
        write_mode = strcmp(mode, "write-write") == 0;
        run_in_thread(rw_x_then_y, NULL);
        run_in_thread(rw_y_then_x, NULL);
    } else if (strcmp(mode, "read-mutex-readerpref") == 0 ||
               strcmp(mode, "read-mutex-writerpref") == 0) {
        pthread_rwlockattr_t attr;
        pthread_rwlockattr_init(&attr);
        if (strcmp(mode, "read-mutex-writerpref") == 0)
            check(pthread_rwlockattr_setkind_np(
                      &attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP),
                  "setkind_np");
        check(pthread_rwlock_init(&rw_pref, &attr), "rwlock_init");
        pthread_rwlockattr_destroy(&attr);
        run_in_thread(read_rw_then_mutex, NULL);
        run_in_thread(writer, NULL);
        run_in_thread(mutex_then_read_rw, NULL);
    } else {
        fprintf(stderr, "usage: rwlocks read-read|write-write|read-mutex-readerpref|"
                        "read-mutex-writerpref\n");
        return 2;
    }
    printf("rwlocks %s done\n", mode);
    return 0;
}
