/* fork while a lock is held.  The child reports what it did and leaves with
 * _exit(0); the parent waits for it and ends with "fork held: finished", exit 0.
 *   other  a helper thread holds the mutex at the fork; the child tries it with a
 *          200 ms timedlock: it can never get it (110).  Expected: one
 *          `fork-held-lock:` finding, from the child.
 *   rdwr   a helper read-holds an rwlock at the fork; the child read-locks it
 *          (granted: 0, nothing yet), unlocks, then tries a 200 ms timed write
 *          lock (110).  Expected: one `fork-held-lock:` finding, from the child.
 * Silent (nothing to report):
 *   exec   a helper holds the mutex at the fork; the child execs /bin/true at once
 *   never  a helper holds the mutex at the fork; the child takes another lock only
 *   own    main itself holds the mutex at the fork; the child unlocks it, locks
 *          and unlocks it again (the forking thread's holds stay valid) */
#include "hazard_util.h"

#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t other = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t rwlock = PTHREAD_RWLOCK_INITIALIZER;
static volatile int holding, done;

static void *holder(void *arg)
{
    if (arg)
        hz_ok(pthread_rwlock_rdlock(&rwlock), "helper rdlock");
    else
        hz_ok(pthread_mutex_lock(&mutex), "helper lock");
    hz_set_flag(&holding);
    hz_wait_flag(&done);
    if (arg)
        hz_ok(pthread_rwlock_unlock(&rwlock), "helper rwlock unlock");
    else
        hz_ok(pthread_mutex_unlock(&mutex), "helper unlock");
    return NULL;
}

static void child(const char *sort)
{
    if (!strcmp(sort, "other")) {
        struct timespec at = hz_deadline_ms(200);
        printf("fork held: child timedlock returned %d\n", pthread_mutex_timedlock(&mutex, &at));
    } else if (!strcmp(sort, "rdwr")) {
        printf("fork held: child rdlock returned %d\n", pthread_rwlock_rdlock(&rwlock));
        pthread_rwlock_unlock(&rwlock);
        struct timespec at = hz_deadline_ms(200);
        printf("fork held: child timedwrlock returned %d\n",
               pthread_rwlock_timedwrlock(&rwlock, &at));
    } else if (!strcmp(sort, "exec")) {
        execl("/bin/true", "true", (char *)NULL);
        _exit(4);
    } else if (!strcmp(sort, "never")) {
        hz_ok(pthread_mutex_lock(&other), "child lock");
        hz_ok(pthread_mutex_unlock(&other), "child unlock");
        printf("fork held: child took the other lock\n");
    } else if (!strcmp(sort, "own")) {
        hz_ok(pthread_mutex_unlock(&mutex), "child unlock");
        hz_ok(pthread_mutex_lock(&mutex), "child relock");
        hz_ok(pthread_mutex_unlock(&mutex), "child unlock again");
        printf("fork held: child relocked main's lock\n");
    }
    _exit(0);
}

int main(int argc, char **argv)
{
    hz_init();
    const char *sort = argc > 1 ? argv[1] : "";
    if (strcmp(sort, "other") && strcmp(sort, "rdwr") && strcmp(sort, "exec") &&
        strcmp(sort, "never") && strcmp(sort, "own")) {
        fprintf(stderr, "usage: %s other|rdwr|exec|never|own\n", argv[0]);
        return 2;
    }
    pthread_t t = 0;
    if (!strcmp(sort, "own")) {
        hz_ok(pthread_mutex_lock(&mutex), "lock");
    } else {
        t = hz_spawn(holder, !strcmp(sort, "rdwr") ? (void *)1 : NULL);
        hz_wait_flag(&holding);
    }
    pid_t pid = fork();
    if (pid < 0)
        exit(3);
    if (pid == 0)
        child(sort);
    int status = 0;
    waitpid(pid, &status, 0);
    printf("fork held: child exit %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    if (t) {
        hz_set_flag(&done);
        pthread_join(t, NULL);
    } else {
        hz_ok(pthread_mutex_unlock(&mutex), "unlock");
    }
    printf("fork held: finished\n");
    return 0;
}
