/* capture_helper: locks taken in a helper that has returned before the next lock
 * (issue 10 item 1).  t1 takes a in lock_one() and then c; t2 takes c and then a
 * in lock_one(): an inversion whose held locks were taken on the fast path (every
 * lock is warmed up first, so no first-use capture hides the case).  t3 and t4
 * take both of b and d through lock_one(), one after the other: the second call
 * runs the helper again at the same depth and call site as the first, which
 * returned.  The report's "while holding" stacks must show each held lock at its
 * own line (@T1_A, @T2_C, @T3_B, @T4_D) or say that the outer frames are unknown,
 * never the later line.  Built at -O0 and -O2 (tests/integration/it_capture.py). */
#include <pthread.h>
#include <stddef.h>

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t c = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t b = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t d = PTHREAD_MUTEX_INITIALIZER;

__attribute__((noinline)) void lock_one(pthread_mutex_t *m)
{
    pthread_mutex_lock(m); /* @HELPER */
    __asm__ volatile("" ::: "memory"); /* no tail call: a real helper frame */
}

static void *t1(void *arg)
{
    (void)arg;
    lock_one(&a);           /* @T1_A */
    pthread_mutex_lock(&c); /* @T1_C */
    pthread_mutex_unlock(&c);
    pthread_mutex_unlock(&a);
    return NULL;
}

static void *t2(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&c); /* @T2_C */
    lock_one(&a);           /* @T2_A */
    pthread_mutex_unlock(&a);
    pthread_mutex_unlock(&c);
    return NULL;
}

static void *t3(void *arg)
{
    (void)arg;
    lock_one(&b);           /* @T3_B */
    lock_one(&d);           /* @T3_D */
    pthread_mutex_unlock(&d);
    pthread_mutex_unlock(&b);
    return NULL;
}

static void *t4(void *arg)
{
    (void)arg;
    lock_one(&d);           /* @T4_D */
    lock_one(&b);           /* @T4_B */
    pthread_mutex_unlock(&b);
    pthread_mutex_unlock(&d);
    return NULL;
}

static void run(void *(*fn)(void *))
{
    pthread_t t;
    if (pthread_create(&t, NULL, fn, NULL) == 0)
        pthread_join(t, NULL);
}

int main(void)
{
    pthread_mutex_lock(&a); /* first uses: captured here, not in t1/t2 */
    pthread_mutex_unlock(&a);
    pthread_mutex_lock(&c);
    pthread_mutex_unlock(&c);
    pthread_mutex_lock(&b);
    pthread_mutex_unlock(&b);
    pthread_mutex_lock(&d);
    pthread_mutex_unlock(&d);
    run(t1);
    run(t2);
    run(t3);
    run(t4);
    return 0;
}
