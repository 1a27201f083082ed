/* pthread_cancel of threads blocked while holding locks (soak.py, case "cancel").
 *
 * Deferred cancellation acts only at cancellation points; pthread_mutex_lock is not
 * one.  So each victim holds locks and blocks where cancellation can act, with
 * cleanup handlers that release what it holds (the correct pattern):
 *   cond      holds outer, waits in pthread_cond_wait on inner (glibc re-takes
 *             inner before the cleanup handlers run)
 *   timed     the same with pthread_cond_timedwait (10 s deadline)
 *   sleep     holds outer and other, blocks in nanosleep
 *   mutex     blocks in pthread_mutex_lock(busy) while main holds busy; the
 *             cancel is pending until it gets busy, then acts at pthread_testcancel
 *             (its cleanup handler releases busy)
 *   leak      holds leaked and blocks in nanosleep with no cleanup handler: the
 *             lock stays held by a thread that no longer exists (the bug this
 *             program keeps on purpose)
 * Main checks that each victim was blocked before the cancel (it could take the
 * condvar's mutex, or saw the thread's state) and that each join returns
 * PTHREAD_CANCELED with its cleanup handlers run; then it takes every lock but
 * leaked in the victims' order, holds none for 2 hold thresholds (the driver sets
 * LOCKGRAPH_HOLD_THRESHOLD_MS=2000: well above the program's own holds even on a
 * busy machine, and LOCKGRAPH_DEADLOCK_MS=500), and finally tries leaked with a
 * 2 s timedlock (ETIMEDOUT expected: the lock really is leaked; the
 * shim reports the wait as a deadlock on a lock whose owner exited, [orphaned];
 * the owner's end, cancelled holding it, is exit-held-lock).
 * Prints one "ok: ..." line per check, "cancel: finished" and exits 0; a failed
 * check prints "FAIL: ..." and exits 1.  Expected findings: about leaked only. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t outer = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t inner = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t other = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t busy = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t leaked = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static volatile int ready, cleaned, past_wait;
static volatile pid_t victim_tid;
static int failed;

static void check(int ok, const char *what)
{
    printf("%s: %s\n", ok ? "ok" : "FAIL", what);
    if (!ok)
        failed = 1;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void unlock_cleanup(void *m)
{
    pthread_mutex_unlock(m);
    __atomic_add_fetch(&cleaned, 1, __ATOMIC_SEQ_CST);
}

static void *cond_victim(void *arg)
{
    int timed = arg != NULL;
    victim_tid = (pid_t)syscall(SYS_gettid);
    pthread_mutex_lock(&outer);
    pthread_cleanup_push(unlock_cleanup, &outer);
    pthread_mutex_lock(&inner);
    pthread_cleanup_push(unlock_cleanup, &inner);
    ready = 1;
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += 10;
    for (;;) { /* nobody signals cv: only the cancel ends this wait */
        if (timed)
            pthread_cond_timedwait(&cv, &inner, &dl);
        else
            pthread_cond_wait(&cv, &inner);
        past_wait = 1;
    }
    pthread_cleanup_pop(1);
    pthread_cleanup_pop(1);
    return NULL;
}

static void *sleep_victim(void *arg)
{
    (void)arg;
    victim_tid = (pid_t)syscall(SYS_gettid);
    pthread_mutex_lock(&outer);
    pthread_cleanup_push(unlock_cleanup, &outer);
    pthread_mutex_lock(&other);
    pthread_cleanup_push(unlock_cleanup, &other);
    ready = 1;
    for (;;) {
        sleep_ms(10000);
        past_wait = 1;
    }
    pthread_cleanup_pop(1);
    pthread_cleanup_pop(1);
    return NULL;
}

static void *mutex_victim(void *arg)
{
    (void)arg;
    victim_tid = (pid_t)syscall(SYS_gettid);
    ready = 1;
    pthread_mutex_lock(&busy); /* blocks: main holds busy */
    pthread_cleanup_push(unlock_cleanup, &busy);
    pthread_testcancel(); /* the pending cancel acts here, busy held */
    past_wait = 1;
    pthread_cleanup_pop(1);
    return NULL;
}

static void *leak_victim(void *arg)
{
    (void)arg;
    victim_tid = (pid_t)syscall(SYS_gettid);
    pthread_mutex_lock(&leaked);
    ready = 1;
    for (;;) {
        sleep_ms(10000);
        past_wait = 1;
    }
    return NULL;
}

/* The kernel's view of the victim: 'S' while it sleeps in a futex or nanosleep. */
static char task_state(pid_t tid)
{
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)tid);
    FILE *f = fopen(path, "r");
    if (!f)
        return '?';
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    return p && p[1] == ' ' ? p[2] : '?';
}

static int wait_sleeping(pid_t tid)
{
    for (int i = 0; i < 5000; i++) { /* 10 s: a busy machine may be slow to get there */
        if (task_state(tid) == 'S')
            return 1;
        sleep_ms(2);
    }
    return 0;
}

static void run_victim(const char *name, void *(*fn)(void *), void *arg, int want_cleaned,
                       int hold_busy)
{
    char what[160];
    ready = cleaned = past_wait = 0;
    victim_tid = 0;
    if (hold_busy)
        pthread_mutex_lock(&busy);
    pthread_t t;
    if (pthread_create(&t, NULL, fn, arg) != 0) {
        check(0, "pthread_create");
        return;
    }
    while (!__atomic_load_n(&ready, __ATOMIC_SEQ_CST))
        sleep_ms(1);
    int blocked = wait_sleeping(victim_tid);
    if (fn == cond_victim) /* inner is free only while the victim waits on cv */
        blocked = blocked && pthread_mutex_trylock(&inner) == 0 &&
                  pthread_mutex_unlock(&inner) == 0;
    sleep_ms(20);
    snprintf(what, sizeof what, "%s: the victim was blocked when cancelled", name);
    check(blocked && task_state(victim_tid) == 'S', what);
    pthread_cancel(t);
    if (hold_busy) {
        sleep_ms(50); /* the cancel is pending; the victim still waits for busy */
        snprintf(what, sizeof what, "%s: still blocked after the cancel (not a cancellation point)",
                 name);
        check(task_state(victim_tid) == 'S' && !past_wait, what);
        pthread_mutex_unlock(&busy);
    }
    void *res = NULL;
    pthread_join(t, &res);
    snprintf(what, sizeof what, "%s: join returned PTHREAD_CANCELED, %d cleanup handler(s) ran",
             name, cleaned);
    check(res == PTHREAD_CANCELED && cleaned == want_cleaned && !past_wait, what);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    run_victim("cond", cond_victim, NULL, 2, 0);
    run_victim("timed", cond_victim, (void *)1, 2, 0);
    run_victim("sleep", sleep_victim, NULL, 2, 0);
    run_victim("mutex", mutex_victim, NULL, 1, 1);
    run_victim("leak", leak_victim, NULL, 0, 0);

    /* the victims' order again, then nothing held for two hold thresholds */
    check(pthread_mutex_trylock(&outer) == 0, "outer is free");
    pthread_mutex_lock(&inner);
    pthread_mutex_unlock(&inner);
    pthread_mutex_lock(&other);
    pthread_mutex_unlock(&other);
    pthread_mutex_unlock(&outer);
    check(pthread_mutex_trylock(&busy) == 0, "busy is free");
    pthread_mutex_unlock(&busy);
    sleep_ms(4500);
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += 2; /* four deadlock verdicts (LOCKGRAPH_DEADLOCK_MS=500) */
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    int rc = pthread_mutex_timedlock(&leaked, &dl);
    check(rc == ETIMEDOUT, "leaked is still held by the cancelled thread (timedlock ETIMEDOUT)");
    printf("cancel: finished\n");
    return failed;
}
