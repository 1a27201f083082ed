/* Stress: fork from a multi-threaded program.  Eight workers keep locking two
 * mutexes, an rwlock (only ever taken inside the first mutex) and a condvar while
 * main forks ten times.  pthread_atfork handlers take both mutexes before the fork
 * and release them after it (in the parent and in the child): the correct way to fork
 * while other threads lock, and it means no worker holds any lock at the fork.
 * Each child keeps locking: it uses the two mutexes (and a condvar and an rwlock of
 * its own), starts four threads of its own that lock, and ends with exit(0).  The
 * parent checks every child's status.
 *   (no argument)  as above
 *   parked         besides, a thread of the parent holds a mutex of its own across
 *                  all the forks (the children never touch it): forking while some
 *                  thread holds an unrelated lock is common and correct
 * Correct program: no finding; prints "stress fork: ok, 10 children" and exits 0.
 * Every process (the parent and each child) writes its own log. */
#include "hazard_util.h"

#include <sys/wait.h>
#include <unistd.h>

#define WORKERS 8
#define FORKS 10
#define CHILD_THREADS 4

static pthread_mutex_t first = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t second = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t table = PTHREAD_RWLOCK_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
/* A child gets a fresh condvar and rwlock: the parent's condvar may count waiters
 * the child does not have, and glibc's rwlock records its writer by tid, which the
 * child does not share; the mutexes taken in prepare can be released in the child. */
static pthread_cond_t child_cond = PTHREAD_COND_INITIALIZER;
static pthread_cond_t *round_cond = &cond;
static pthread_rwlock_t child_table = PTHREAD_RWLOCK_INITIALIZER;
static pthread_rwlock_t *round_table = &table;
static long counter, table_value;
static volatile int stop;

static pthread_mutex_t parked = PTHREAD_MUTEX_INITIALIZER;
static volatile int parked_held, unpark;

static void prepare(void)
{
    hz_ok(pthread_mutex_lock(&first), "prepare first");
    hz_ok(pthread_mutex_lock(&second), "prepare second");
}

static void after(void)
{
    hz_ok(pthread_mutex_unlock(&second), "after second");
    hz_ok(pthread_mutex_unlock(&first), "after first");
}

/* first -> second, first -> table: one order everywhere */
static void lock_round(int i)
{
    hz_ok(pthread_mutex_lock(&first), "first");
    hz_ok(pthread_mutex_lock(&second), "second");
    counter++;
    if (i % 16 == 0)
        hz_ok(pthread_cond_broadcast(round_cond), "broadcast");
    hz_ok(pthread_mutex_unlock(&second), "unlock second");
    if (i & 1) {
        hz_ok(pthread_rwlock_rdlock(round_table), "rdlock");
    } else {
        hz_ok(pthread_rwlock_wrlock(round_table), "wrlock");
        table_value++;
    }
    hz_ok(pthread_rwlock_unlock(round_table), "rw unlock");
    if (i % 32 == 0) { /* a short timed condvar wait holding only "first" */
        struct timespec at = hz_deadline_ms(1);
        int rc = pthread_cond_timedwait(round_cond, &first, &at);
        if (rc != 0 && rc != ETIMEDOUT)
            hz_ok(rc, "cond_timedwait");
    }
    hz_ok(pthread_mutex_unlock(&first), "unlock first");
}

static void *worker(void *arg)
{
    (void)arg;
    for (int i = 0; !__atomic_load_n(&stop, __ATOMIC_RELAXED); i++)
        lock_round(i);
    return NULL;
}

static void *parker(void *arg)
{
    (void)arg;
    hz_ok(pthread_mutex_lock(&parked), "parked");
    hz_set_flag(&parked_held);
    hz_wait_flag(&unpark);
    hz_ok(pthread_mutex_unlock(&parked), "unlock parked");
    return NULL;
}

static void *child_worker(void *arg)
{
    pthread_mutex_t *own = arg;
    for (int i = 0; i < 2000; i++) {
        lock_round(i);
        hz_ok(pthread_mutex_lock(own), "own");
        hz_ok(pthread_mutex_unlock(own), "own unlock");
    }
    return NULL;
}

static void child(void)
{
    pthread_mutex_t own[CHILD_THREADS];
    pthread_t th[CHILD_THREADS];
    hz_ok(pthread_cond_init(&child_cond, NULL), "cond_init");
    round_cond = &child_cond;
    hz_ok(pthread_rwlock_init(&child_table, NULL), "rwlock_init");
    round_table = &child_table;
    for (int i = 0; i < 1000; i++)
        lock_round(i);
    for (int i = 0; i < CHILD_THREADS; i++) {
        hz_ok(pthread_mutex_init(&own[i], NULL), "own init");
        th[i] = hz_spawn(child_worker, &own[i]);
    }
    for (int i = 0; i < CHILD_THREADS; i++)
        pthread_join(th[i], NULL);
    exit(0);
}

int main(int argc, char **argv)
{
    hz_init();
    int with_parked = argc > 1 && !strcmp(argv[1], "parked");
    if (argc > 1 && !with_parked) {
        fprintf(stderr, "usage: %s [parked]\n", argv[0]);
        return 2;
    }
    hz_ok(pthread_atfork(prepare, after, after), "pthread_atfork");
    pthread_t th[WORKERS], park = 0;
    for (int i = 0; i < WORKERS; i++)
        th[i] = hz_spawn(worker, NULL);
    if (with_parked) {
        park = hz_spawn(parker, NULL);
        hz_wait_flag(&parked_held);
    }
    int failed = 0;
    for (int f = 0; f < FORKS; f++) {
        hz_sleep_ms(20);
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 3;
        }
        if (pid == 0)
            child();
        int status;
        if (waitpid(pid, &status, 0) != pid) {
            perror("waitpid");
            return 3;
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            printf("stress fork: child %d ended with status 0x%x\n", (int)pid, status);
            failed = 1;
        }
    }
    __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(th[i], NULL);
    if (with_parked) {
        hz_set_flag(&unpark);
        pthread_join(park, NULL);
    }
    if (failed)
        return 1;
    printf("stress fork: ok, %d children\n", FORKS);
    return 0;
}
