/* Stress: dlopen/dlclose of a library that locks (hazard_dlplugin.c, path in
 * HZ_PLUGIN_PATH).  Four threads each open the library, call its locking function
 * while holding an application lock (always app lock -> plugin locks), and close
 * it, 100 times; main meanwhile opens and closes it on its own.  Correct program: no
 * finding; prints "stress dlopen: ok" and exits 0. */
#include "hazard_util.h"

#include <dlfcn.h>

#define THREADS 4
#define ROUNDS 100

static pthread_mutex_t app_lock = PTHREAD_MUTEX_INITIALIZER;

typedef long (*work_fn)(int);

static int use_plugin(int hold_app_lock)
{
    void *h = dlopen(HZ_PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        printf("stress dlopen: dlopen failed: %s\n", dlerror());
        return -1;
    }
    work_fn work = (work_fn)(uintptr_t)dlsym(h, "hz_plugin_work");
    if (!work) {
        printf("stress dlopen: dlsym failed: %s\n", dlerror());
        return -1;
    }
    if (hold_app_lock)
        hz_ok(pthread_mutex_lock(&app_lock), "app lock");
    long c = work(20);
    if (hold_app_lock)
        hz_ok(pthread_mutex_unlock(&app_lock), "app unlock");
    if (dlclose(h) != 0) {
        printf("stress dlopen: dlclose failed: %s\n", dlerror());
        return -1;
    }
    return c >= 20 ? 0 : -1;
}

static void *opener(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++)
        if (use_plugin(1) != 0)
            return (void *)1;
    return NULL;
}

int main(void)
{
    hz_init();
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++)
        th[i] = hz_spawn(opener, NULL);
    int failed = 0;
    for (int i = 0; i < ROUNDS; i++)
        failed |= use_plugin(i & 1) != 0;
    for (int i = 0; i < THREADS; i++) {
        void *r;
        pthread_join(th[i], &r);
        failed |= r != NULL;
    }
    if (failed)
        return 1;
    printf("stress dlopen: ok\n");
    return 0;
}
