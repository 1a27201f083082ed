/* glib_locks MODE: GLib's own locks (GMutex, G_LOCK, GCond), which GLib 2.74 builds on
 * its futex rather than on pthread.
 *   abba      gm_ab() takes gm_a then gm_b in one thread, then gm_ba() gm_b then gm_a
 *             in another: one inversion on {gm_a, gm_b}.  gm_a is a static GMutex
 *             never initialised (valid in GLib), gm_b is g_mutex_init'ed (and
 *             g_mutex_clear'ed at the end).
 *   ordered   gm_ab() twice: the same order, nothing to report.
 *   trylock   gm_ab(), then gm_ba_try() which takes gm_a by g_mutex_trylock while
 *             holding gm_b (and backs off): the cycle cannot deadlock, ruled out by
 *             the trylock rule, nothing reported.
 *   glock     the same inversion with G_LOCK on G_LOCK_DEFINE_STATIC locks
 *             (g__glock_a_lock, g__glock_b_lock), in glock_ab() and glock_ba().
 *   cond      cond_waiter() takes cm then gm_b, then g_cond_wait()s on cv with cm:
 *             the wait gives cm back and takes it again while gm_b is held (gm_b ->
 *             cm); later cm_then_b() takes cm then gm_b: an inversion whose gm_b ->
 *             cm half exists only through the re-acquisition inside g_cond_wait.
 *   cond_until the same with g_cond_wait_until.
 *   deadlock  dl_ab() and dl_ba() take gm_a / gm_b in opposite orders with a barrier
 *             in between: a real deadlock, which lockgraph must report and end
 *             (status 86).  alarm(15) ends a run that nothing ends (without the shim).
 * Every lock line that a report must point at carries a marker comment ("site: ...").
 */
#define _GNU_SOURCE
#include "tp_util.h"

#include <glib.h>
#include <string.h>
#include <unistd.h>

static GMutex gm_a; /* never initialised: a static GMutex needs no g_mutex_init */
static GMutex gm_b;
static GMutex cm;
static GCond cv;
static int ready, use_until;
G_LOCK_DEFINE_STATIC(glock_a);
G_LOCK_DEFINE_STATIC(glock_b);
static pthread_barrier_t both_hold_one;

static void *gm_ab(void *arg)
{
    (void)arg;
    g_mutex_lock(&gm_a); /* site: gm_ab a */
    g_mutex_lock(&gm_b); /* site: gm_ab b */
    g_mutex_unlock(&gm_b);
    g_mutex_unlock(&gm_a);
    return NULL;
}

static void *gm_ba(void *arg)
{
    (void)arg;
    g_mutex_lock(&gm_b); /* site: gm_ba b */
    g_mutex_lock(&gm_a); /* site: gm_ba a */
    g_mutex_unlock(&gm_a);
    g_mutex_unlock(&gm_b);
    return NULL;
}

static void *gm_ba_try(void *arg)
{
    (void)arg;
    g_mutex_lock(&gm_b);
    if (g_mutex_trylock(&gm_a)) /* backs off when busy: cannot deadlock */
        g_mutex_unlock(&gm_a);
    g_mutex_unlock(&gm_b);
    return NULL;
}

static void *glock_ab(void *arg)
{
    (void)arg;
    G_LOCK(glock_a); /* site: glock_ab a */
    G_LOCK(glock_b); /* site: glock_ab b */
    G_UNLOCK(glock_b);
    G_UNLOCK(glock_a);
    return NULL;
}

static void *glock_ba(void *arg)
{
    (void)arg;
    G_LOCK(glock_b); /* site: glock_ba b */
    G_LOCK(glock_a); /* site: glock_ba a */
    G_UNLOCK(glock_a);
    G_UNLOCK(glock_b);
    return NULL;
}

static void *cond_waiter(void *arg)
{
    (void)arg;
    g_mutex_lock(&cm);   /* site: cond_waiter cm */
    g_mutex_lock(&gm_b); /* site: cond_waiter b */
    while (!ready) {
        if (use_until)
            g_cond_wait_until(&cv, &cm, g_get_monotonic_time() + G_TIME_SPAN_SECOND); /* site: re-takes cm (until) */
        else
            g_cond_wait(&cv, &cm); /* site: re-takes cm (wait) */
    }
    g_mutex_unlock(&gm_b);
    g_mutex_unlock(&cm);
    return NULL;
}

static void *signaler(void *arg)
{
    (void)arg;
    sleep_ms(100); /* the waiter is (almost surely) waiting by now */
    g_mutex_lock(&cm);
    ready = 1;
    g_cond_signal(&cv);
    g_mutex_unlock(&cm);
    return NULL;
}

static void *cm_then_b(void *arg)
{
    (void)arg;
    g_mutex_lock(&cm);   /* site: cm_then_b cm */
    g_mutex_lock(&gm_b); /* site: cm_then_b b */
    g_mutex_unlock(&gm_b);
    g_mutex_unlock(&cm);
    return NULL;
}

static void *dl_ab(void *arg)
{
    (void)arg;
    g_mutex_lock(&gm_a); /* site: dl_ab a */
    pthread_barrier_wait(&both_hold_one);
    g_mutex_lock(&gm_b); /* site: dl_ab b (blocks forever) */
    g_mutex_unlock(&gm_b);
    g_mutex_unlock(&gm_a);
    return NULL;
}

static void *dl_ba(void *arg)
{
    (void)arg;
    g_mutex_lock(&gm_b); /* site: dl_ba b */
    pthread_barrier_wait(&both_hold_one);
    g_mutex_lock(&gm_a); /* site: dl_ba a (blocks forever) */
    g_mutex_unlock(&gm_a);
    g_mutex_unlock(&gm_b);
    return NULL;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    g_mutex_init(&gm_b);
    if (strcmp(mode, "abba") == 0) {
        run_in_thread(gm_ab, NULL);
        run_in_thread(gm_ba, NULL);
    } else if (strcmp(mode, "ordered") == 0) {
        run_in_thread(gm_ab, NULL);
        run_in_thread(gm_ab, NULL);
    } else if (strcmp(mode, "trylock") == 0) {
        run_in_thread(gm_ab, NULL);
        run_in_thread(gm_ba_try, NULL);
    } else if (strcmp(mode, "glock") == 0) {
        run_in_thread(glock_ab, NULL);
        run_in_thread(glock_ba, NULL);
    } else if (strcmp(mode, "cond") == 0 || strcmp(mode, "cond_until") == 0) {
        use_until = strcmp(mode, "cond_until") == 0;
        pthread_t w, s;
        pthread_create(&w, NULL, cond_waiter, NULL);
        pthread_create(&s, NULL, signaler, NULL);
        pthread_join(w, NULL);
        pthread_join(s, NULL);
        run_in_thread(cm_then_b, NULL);
    } else if (strcmp(mode, "deadlock") == 0) {
        alarm(15);
        pthread_t t1, t2;
        pthread_barrier_init(&both_hold_one, NULL, 2);
        pthread_create(&t1, NULL, dl_ab, NULL);
        pthread_create(&t2, NULL, dl_ba, NULL);
        pthread_join(t1, NULL);
        pthread_join(t2, NULL);
        printf("not reached: the threads deadlock\n");
    } else {
        fprintf(stderr, "usage: glib_locks abba|ordered|trylock|glock|cond|cond_until|deadlock\n");
        return 2;
    }
    g_mutex_clear(&gm_b);
    printf("glib_locks %s done\n", mode);
    return 0;
}
