/* glib_wrap: verify_wrap's part for GLib (shim/hooks/glib.c): one call of each
 * g_mutex_* / g_cond_wait* hook, each leaving its own trace in the log, and a
 * "name address" line for every lock (tests/integration/it_verify_wrap.py checks
 * them).  Linked into tp_verify_wrap; verify_wrap.c calls glib_hooks(). */
#define _GNU_SOURCE
#include <glib.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

void glib_hooks(void);

static GMutex g_outer, g_lock, g_try, g_after, g_init, g_wm, g_wh, g_um, g_uh;
static GCond g_wcv, g_ucv;
static int g_woken;

static void *g_waker(void *arg)
{
    (void)arg;
    usleep(20000);
    g_mutex_lock(&g_wm);
    g_woken = 1;
    g_cond_broadcast(&g_wcv);
    g_mutex_unlock(&g_wm);
    return NULL;
}

void glib_hooks(void)
{
    printf("g_outer %p\ng_lock %p\ng_try %p\ng_after %p\ng_init %p\n", (void *)&g_outer,
           (void *)&g_lock, (void *)&g_try, (void *)&g_after, (void *)&g_init);
    printf("g_wm %p\ng_wh %p\ng_um %p\ng_uh %p\n", (void *)&g_wm, (void *)&g_wh,
           (void *)&g_um, (void *)&g_uh);
    g_mutex_lock(&g_outer);
    g_mutex_lock(&g_lock); /* g_outer -> g_lock */
    g_mutex_unlock(&g_lock);
    if (g_mutex_trylock(&g_try)) /* g_outer -> g_try (try) */
        g_mutex_unlock(&g_try);
    g_mutex_unlock(&g_outer);
    g_mutex_lock(&g_after); /* unlock was seen: no g_outer -> g_after */
    g_mutex_unlock(&g_after);

    g_mutex_init(&g_init);
    g_mutex_lock(&g_init);
    g_mutex_unlock(&g_init);
    g_mutex_init(&g_init); /* a known address initialised again: retired by reinit */
    g_mutex_lock(&g_init);
    g_mutex_unlock(&g_init);
    g_mutex_clear(&g_init); /* retired by destroy */

    /* g_cond_wait: g_wm is taken again inside the wait while g_wh is held */
    pthread_t t;
    g_mutex_lock(&g_wm);
    g_mutex_lock(&g_wh);
    pthread_create(&t, NULL, g_waker, NULL);
    while (!g_woken)
        g_cond_wait(&g_wcv, &g_wm);
    g_mutex_unlock(&g_wh);
    g_mutex_unlock(&g_wm);
    pthread_join(t, NULL);
    /* g_cond_wait_until that times out: g_um is taken again while g_uh is held */
    g_mutex_lock(&g_um);
    g_mutex_lock(&g_uh);
    g_cond_wait_until(&g_ucv, &g_um, g_get_monotonic_time() + 20000);
    g_mutex_unlock(&g_uh);
    g_mutex_unlock(&g_um);
}
