/* A library that locks, for hazard_stress_dlopen.c: dlopen()ed and dlclose()d over
 * and over, so its static locks come and go with the mapping (and are usually
 * mapped again at the same addresses). */
#define _GNU_SOURCE
#include <pthread.h>

static pthread_mutex_t plugin_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t plugin_table = PTHREAD_RWLOCK_INITIALIZER;
static long plugin_count;

/* n rounds of: plugin_lock, then the table inside it (write every 4th round). */
long hz_plugin_work(int n)
{
    for (int i = 0; i < n; i++) {
        pthread_mutex_lock(&plugin_lock);
        if (i % 4 == 0)
            pthread_rwlock_wrlock(&plugin_table);
        else
            pthread_rwlock_rdlock(&plugin_table);
        plugin_count++;
        pthread_rwlock_unlock(&plugin_table);
        pthread_mutex_unlock(&plugin_lock);
    }
    pthread_mutex_lock(&plugin_lock);
    long c = plugin_count;
    pthread_mutex_unlock(&plugin_lock);
    return c;
}
