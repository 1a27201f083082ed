/* Fork storms from many threads (soak.py, case "forkstorm").
 *
 * FORKERS threads each fork CHILDREN children one after another, while LOCKERS
 * threads keep locking shared mutexes a -> b (one order).  Each child locks two
 * mutexes of its own (c1 -> c2, never touched by the parent, so no lock a parent
 * thread held at the fork), starts a thread that does the same, joins it, and
 * leaves: through exit(0), _exit(0) or return from a thread-less main path in turn,
 * so every way a fork child ends is exercised.  The parent waits for each child and
 * checks its status.  A correct program: no finding; every process writes a log
 * that ends cleanly.  Prints "fork storm: N children ok" and exits 0 (1 if a child
 * failed).  Arguments: [FORKERS [CHILDREN]] (default 8 and 6). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define LOCKERS 3

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t b = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t c1 = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t c2 = PTHREAD_MUTEX_INITIALIZER;
static volatile int stop;
static long shared_count, child_count;
static int children = 6;
static long ok_children, bad_children;

static void child_locks(void)
{
    for (int i = 0; i < 50; i++) {
        pthread_mutex_lock(&c1);
        pthread_mutex_lock(&c2);
        child_count++;
        pthread_mutex_unlock(&c2);
        pthread_mutex_unlock(&c1);
    }
}

static void *child_thread(void *arg)
{
    (void)arg;
    child_locks();
    return NULL;
}

static void child_main(int how)
{
    pthread_t t;
    if (pthread_create(&t, NULL, child_thread, NULL) != 0)
        _exit(2);
    child_locks();
    pthread_join(t, NULL);
    if (child_count != 100)
        _exit(3);
    if (how == 0)
        exit(0);
    _exit(0);
}

static void *forker(void *arg)
{
    long id = (long)arg;
    for (int i = 0; i < children; i++) {
        pid_t c = fork();
        if (c == 0)
            child_main((int)((id + i) % 2));
        if (c < 0) {
            __atomic_add_fetch(&bad_children, 1, __ATOMIC_SEQ_CST);
            continue;
        }
        int st;
        if (waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0)
            __atomic_add_fetch(&ok_children, 1, __ATOMIC_SEQ_CST);
        else
            __atomic_add_fetch(&bad_children, 1, __ATOMIC_SEQ_CST);
    }
    return NULL;
}

static void *locker(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
        pthread_mutex_lock(&a);
        pthread_mutex_lock(&b);
        shared_count++;
        pthread_mutex_unlock(&b);
        pthread_mutex_unlock(&a);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    int forkers = argc > 1 ? atoi(argv[1]) : 8;
    if (argc > 2)
        children = atoi(argv[2]);
    pthread_t l[LOCKERS], *f = calloc((size_t)forkers, sizeof *f);
    for (int i = 0; i < LOCKERS; i++)
        pthread_create(&l[i], NULL, locker, NULL);
    for (long i = 0; i < forkers; i++)
        pthread_create(&f[i], NULL, forker, (void *)i);
    for (int i = 0; i < forkers; i++)
        pthread_join(f[i], NULL);
    __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
    for (int i = 0; i < LOCKERS; i++)
        pthread_join(l[i], NULL);
    free(f);
    printf("fork storm: %ld children ok, %ld failed\n", ok_children, bad_children);
    return bad_children == 0 && ok_children == (long)forkers * children ? 0 : 1;
}
