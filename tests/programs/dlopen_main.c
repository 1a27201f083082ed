/* dlopen_main [close]: an inversion between the main program's lock and a lock
 * inside a dlopen()ed library (libtp_plugin.so).
 *   main_a_then_plugin()  holds A and calls plugin_take_lock()        (A -> P)
 *   main_plugin_then_a()  calls plugin_lock_then_call(&A)             (P -> A)
 * One inversion on {A, P}; the frames of the plugin's half name libtp_plugin.so.
 * With "close", the library is dlclose()d before exit (its frames must still be
 * named in the report). */
#define _POSIX_C_SOURCE 200809L
#include "tp_util.h"
#include <dlfcn.h>
#include <string.h>

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static void (*plugin_take_lock)(void);
static void (*plugin_lock_then_call)(pthread_mutex_t *);

static void *main_a_then_plugin(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock_a);
    plugin_take_lock();
    pthread_mutex_unlock(&lock_a);
    return NULL;
}

static void *main_plugin_then_a(void *arg)
{
    (void)arg;
    plugin_lock_then_call(&lock_a);
    return NULL;
}

int main(int argc, char **argv)
{
    void *lib = dlopen(TP_PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 3;
    }
    *(void **)&plugin_take_lock = dlsym(lib, "plugin_take_lock");
    *(void **)&plugin_lock_then_call = dlsym(lib, "plugin_lock_then_call");
    if (!plugin_take_lock || !plugin_lock_then_call) {
        fprintf(stderr, "dlsym: %s\n", dlerror());
        return 3;
    }
    run_in_thread(main_a_then_plugin, NULL);
    run_in_thread(main_plugin_then_a, NULL);
    if (argc > 1 && strcmp(argv[1], "close") == 0)
        dlclose(lib);
    printf("dlopen done\n");
    return 0;
}
