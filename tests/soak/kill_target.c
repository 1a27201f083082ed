/* A lock-heavy program that keeps producing live findings, to be SIGKILLed at a
 * random moment (soak.py, case "kill").
 *
 * Four workers hammer a shared set of 32 mutexes in one global order (lower index
 * first: no finding), creating and destroying heap mutexes as they go, so the
 * shim's log keeps growing.  Meanwhile an "inverter" pair makes a new lock-order
 * inversion every ~20 ms: for pair i, thread X takes A_i then B_i, hands over (by a
 * flag, no lock), then thread Y takes B_i then A_i; the two never overlap, so the
 * program never hangs but each pair is a real lock-order-inversion (reported live
 * once per acquisition site).  Y then unlocks pair_c[i], an error-checking mutex
 * nobody holds: a bad-unlock finding per pair (reported live once per lock).  It
 * prints "pair N" to stdout (unbuffered) after Y released pair N.  With an argument
 * "fork", every 8th pair is done in a fork child instead (which exits), so that
 * some kills land in a child (its pid is printed as "child PID", and once reaped
 * "reaped PID S": S the signal that ended it, or minus its exit status).
 * Runs until killed, or for PAIRS pairs, then exits 0. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SHARED 32
#define WORKERS 4
#define PAIRS 4000

static pthread_mutex_t shared[SHARED];
static pthread_mutex_t pair_a[PAIRS], pair_b[PAIRS], pair_c[PAIRS];
static volatile int turn_x = -1, turn_y = -1, done_y = -1;
static int use_fork;

static void sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

static void *worker(void *arg)
{
    unsigned seed = (unsigned)(long)arg * 7919u + 1;
    for (;;) {
        int i = (int)(rand_r(&seed) % SHARED), j = (int)(rand_r(&seed) % SHARED);
        if (i == j)
            continue;
        int lo = i < j ? i : j, hi = i < j ? j : i;
        pthread_mutex_lock(&shared[lo]);
        pthread_mutex_lock(&shared[hi]);
        pthread_mutex_unlock(&shared[hi]);
        pthread_mutex_unlock(&shared[lo]);
        if (rand_r(&seed) % 1024 == 0) { /* a short-lived heap lock, new each time */
            pthread_mutex_t *m = malloc(sizeof *m);
            pthread_mutex_init(m, NULL);
            pthread_mutex_lock(&shared[lo]);
            pthread_mutex_lock(m);
            pthread_mutex_unlock(m);
            pthread_mutex_unlock(&shared[lo]);
            pthread_mutex_destroy(m);
            free(m);
        }
    }
    return NULL;
}

/* arg: the first pair this thread does; it does every pair from there on */
static void *side_x(void *arg)
{
    for (int i = (int)(long)arg; i < PAIRS; i++) {
        while (__atomic_load_n(&turn_x, __ATOMIC_ACQUIRE) != i)
            sleep_us(200);
        pthread_mutex_lock(&pair_a[i]);
        pthread_mutex_lock(&pair_b[i]);
        pthread_mutex_unlock(&pair_b[i]);
        pthread_mutex_unlock(&pair_a[i]);
        __atomic_store_n(&turn_y, i, __ATOMIC_RELEASE);
    }
    return NULL;
}

static void *side_y(void *arg)
{
    for (int i = (int)(long)arg; i < PAIRS; i++) {
        while (__atomic_load_n(&turn_y, __ATOMIC_ACQUIRE) != i)
            sleep_us(200);
        pthread_mutex_lock(&pair_b[i]);
        pthread_mutex_lock(&pair_a[i]);
        pthread_mutex_unlock(&pair_a[i]);
        pthread_mutex_unlock(&pair_b[i]);
        pthread_mutex_unlock(&pair_c[i]); /* EPERM: nobody holds it */
        __atomic_store_n(&done_y, i, __ATOMIC_RELEASE);
    }
    return NULL;
}

/* In a fork child: the same inversion by two threads of the child. */
static void child_pair(int i)
{
    pthread_t x, y;
    pthread_create(&x, NULL, side_x, (void *)(long)i);
    pthread_create(&y, NULL, side_y, (void *)(long)i);
    __atomic_store_n(&turn_x, i, __ATOMIC_RELEASE);
    while (__atomic_load_n(&done_y, __ATOMIC_ACQUIRE) != i)
        sleep_us(200);
    char line[32];
    int n = snprintf(line, sizeof line, "pair %d\n", i);
    if (write(1, line, (size_t)n) < 0)
        _exit(1);
    sleep_us(300000); /* a window for the driver to kill the child */
    exit(0);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    use_fork = argc > 1 && strcmp(argv[1], "fork") == 0;
    for (int i = 0; i < SHARED; i++)
        pthread_mutex_init(&shared[i], NULL);
    pthread_mutexattr_t ec;
    pthread_mutexattr_init(&ec);
    pthread_mutexattr_settype(&ec, PTHREAD_MUTEX_ERRORCHECK);
    for (int i = 0; i < PAIRS; i++) {
        pthread_mutex_init(&pair_a[i], NULL);
        pthread_mutex_init(&pair_b[i], NULL);
        pthread_mutex_init(&pair_c[i], &ec);
    }
    pthread_t w[WORKERS];
    for (long k = 0; k < WORKERS; k++)
        pthread_create(&w[k], NULL, worker, (void *)k);
    pthread_t x, y;
    pthread_create(&x, NULL, side_x, (void *)0L);
    pthread_create(&y, NULL, side_y, (void *)0L);
    for (int i = 0; i < PAIRS; i++) {
        if (use_fork && i % 8 == 7) {
            pid_t c = fork();
            if (c == 0)
                child_pair(i);
            printf("child %d\n", (int)c);
            int st;
            waitpid(c, &st, 0);
            printf("reaped %d %d\n", (int)c, WIFSIGNALED(st) ? WTERMSIG(st) : -WEXITSTATUS(st));
            /* the parent's side threads skip this pair */
            __atomic_store_n(&turn_x, i, __ATOMIC_RELEASE);
            while (__atomic_load_n(&done_y, __ATOMIC_ACQUIRE) != i)
                sleep_us(200);
            continue;
        }
        __atomic_store_n(&turn_x, i, __ATOMIC_RELEASE);
        while (__atomic_load_n(&done_y, __ATOMIC_ACQUIRE) != i)
            sleep_us(200);
        printf("pair %d\n", i);
        sleep_us(20000);
    }
    return 0;
}
