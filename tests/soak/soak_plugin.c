/* A plugin for dl_main.c (soak.py, case "dlclose"), built twice: -DPLUGIN_NAME=a
 * gives soak_plugin_a.so with plugin_a_order(), -DPLUGIN_NAME=b soak_plugin_b.so
 * with plugin_b_order().  Same code and size, so the loader tends to map the second
 * where the first was: stacks recorded in a's code then point into b's. */
#define _GNU_SOURCE
#include <pthread.h>

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define ORDER_FN CAT(CAT(plugin_, PLUGIN_NAME), _order)

static long plugin_count;

/* Takes first, then second: the order the main program later inverts (for a). */
__attribute__((noinline)) long ORDER_FN(pthread_mutex_t *first, pthread_mutex_t *second)
{
    pthread_mutex_lock(first);
    pthread_mutex_lock(second);
    long c = ++plugin_count;
    pthread_mutex_unlock(second);
    pthread_mutex_unlock(first);
    return c;
}
