/* plugin: a shared library loaded with dlopen() by dlopen_main.  It owns a lock and
 * offers two entry points that take it in opposite orders relative to the caller's
 * lock. */
#include <pthread.h>

static pthread_mutex_t plugin_lock = PTHREAD_MUTEX_INITIALIZER;
static int plugin_calls;

/* Takes the plugin's lock (the caller may hold its own lock: caller -> plugin). */
void plugin_take_lock(void)
{
    pthread_mutex_lock(&plugin_lock);
    plugin_calls++;
    pthread_mutex_unlock(&plugin_lock);
}

/* Takes the plugin's lock, then calls back into a caller's lock: plugin -> caller. */
void plugin_lock_then_call(pthread_mutex_t *callers_lock)
{
    pthread_mutex_lock(&plugin_lock);
    pthread_mutex_lock(callers_lock);
    plugin_calls++;
    pthread_mutex_unlock(callers_lock);
    pthread_mutex_unlock(&plugin_lock);
}
