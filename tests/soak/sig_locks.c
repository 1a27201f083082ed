/* Signal handlers that take locks while the interrupted code locks (soak.py, case
 * "signals").
 *
 * Four threads (main among them) run lock-heavy loops over shared mutexes a, b and
 * an rwlock t, always a -> b -> t.  A SIGALRM interval timer (500 us) and a thread
 * that sends SIGUSR1 to the loopers in turn make handlers run at arbitrary points,
 * also inside the shim's own hooks.  The handlers (each blocks both signals while
 * it runs, so they never nest on a thread) use locks of their own:
 *   SIGALRM: pthread_mutex_trylock(h_try), and on success unlock it
 *   SIGUSR1: pthread_mutex_lock(h_lock) ... unlock (h_lock is taken only in
 *            handlers, and handlers do not nest: it cannot self-deadlock)
 * Not async-signal-safe by POSIX's letter, but what real programs do, and glibc
 * allows it here.  A correct program: no finding.  Runs SECONDS (argument,
 * default 3), then prints "signals: loops=N alrm=N usr1=N trylock_ok=N" and exits
 * 0; exits 1 if a count is implausible (a lost loop iteration). */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

#define LOOPERS 4

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t b = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t t = PTHREAD_RWLOCK_INITIALIZER;
static pthread_mutex_t h_try = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t h_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter, loops_total;
static long alrm, usr1, trylock_ok, try_value, lock_value; /* *_value: under h_try / h_lock */
static volatile int stop;
static pthread_t looper[LOOPERS];

static void on_alrm(int sig)
{
    (void)sig;
    __atomic_add_fetch(&alrm, 1, __ATOMIC_RELAXED);
    if (pthread_mutex_trylock(&h_try) == 0) {
        try_value++;
        __atomic_add_fetch(&trylock_ok, 1, __ATOMIC_RELAXED);
        pthread_mutex_unlock(&h_try);
    }
}

static void on_usr1(int sig)
{
    (void)sig;
    __atomic_add_fetch(&usr1, 1, __ATOMIC_RELAXED);
    pthread_mutex_lock(&h_lock);
    lock_value++;
    pthread_mutex_unlock(&h_lock);
}

static long loop(void)
{
    long n = 0;
    while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
        pthread_mutex_lock(&a);
        pthread_mutex_lock(&b);
        if (n % 4 == 0)
            pthread_rwlock_wrlock(&t);
        else
            pthread_rwlock_rdlock(&t);
        if (n % 4 == 0)
            counter++;
        pthread_rwlock_unlock(&t);
        pthread_mutex_unlock(&b);
        pthread_mutex_unlock(&a);
        n++;
    }
    return n;
}

static void *looper_main(void *arg)
{
    (void)arg;
    long n = loop();
    __atomic_add_fetch(&loops_total, n, __ATOMIC_RELAXED);
    return NULL;
}

static void *sender(void *arg)
{
    (void)arg;
    struct timespec ts = {0, 300000};
    for (unsigned i = 0; !__atomic_load_n(&stop, __ATOMIC_RELAXED); i++) {
        pthread_kill(looper[i % LOOPERS], SIGUSR1);
        nanosleep(&ts, NULL);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 3.0;
    struct sigaction sa = {0};
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGALRM);
    sigaddset(&sa.sa_mask, SIGUSR1);
    sa.sa_flags = SA_RESTART;
    sa.sa_handler = on_alrm;
    sigaction(SIGALRM, &sa, NULL);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    looper[0] = pthread_self();
    for (int i = 1; i < LOOPERS; i++)
        pthread_create(&looper[i], NULL, looper_main, NULL);
    pthread_t s;
    pthread_create(&s, NULL, sender, NULL);
    struct itimerval it = {{0, 500}, {0, 500}};
    setitimer(ITIMER_REAL, &it, NULL);
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long n = 0;
    /* main loops too, in slices, so it can watch the clock */
    while (!stop) {
        pthread_mutex_lock(&a);
        pthread_mutex_lock(&b);
        pthread_rwlock_wrlock(&t);
        counter++;
        pthread_rwlock_unlock(&t);
        pthread_mutex_unlock(&b);
        pthread_mutex_unlock(&a);
        if (++n % 1024 == 0) {
            clock_gettime(CLOCK_MONOTONIC, &now);
            double el = (double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9;
            if (el >= seconds)
                __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
        }
    }
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    pthread_join(s, NULL);
    for (int i = 1; i < LOOPERS; i++)
        pthread_join(looper[i], NULL);
    loops_total += n;
    /* every wrlock round incremented counter exactly once */
    long want = n;
    printf("signals: loops=%ld alrm=%ld usr1=%ld trylock_ok=%ld\n", loops_total, alrm, usr1,
           trylock_ok);
    int ok = counter >= want && try_value == trylock_ok && lock_value == usr1;
    if (!ok)
        printf("FAIL: counter %ld (main rounds %ld), handler counts %ld/%ld, %ld/%ld\n", counter,
               want, try_value, trylock_ok, lock_value, usr1);
    return ok ? 0 : 1;
}
