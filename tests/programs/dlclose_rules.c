/* dlclose_rules PLUGIN_A.so PLUGIN_B.so: the shim's stack walker must forget the
 * unwind rules it cached for a library once the library is dlclose()d
 * (shim/unload.c; it_dlclose_rules.py).
 *
 * main_calls_a() holds outer_a and calls a's plugin_lock(inner_a): a new lock and
 * a new edge, so the shim walks the stack through a's frame and caches its rule.
 * Then a is dlclose()d and b dlopen()ed; the loader maps b at a's old base (checked
 * here: if not, nothing stale could be read, and the program exits 4 rather than
 * pass without testing anything).  main_calls_b() holds outer_b and calls b's
 * plugin_lock(inner_b) (@B_CALL): the same return address as a's, another frame
 * size (dlclose_rules_plugin.c).  Finally main takes inner_b then outer_b, an
 * inversion, so the report carries the stack of edge outer_b -> inner_b, which must
 * read plugin_lock, main_calls_b, main.  With a's rule still cached the walk reads
 * the return address from inside b's zeroed pad and stops at plugin_lock.
 *
 * Prints "a_base=... b_base=... a_fn=+0x... b_fn=+0x..." and "dlclose_rules:
 * finished"; exits 0, 2 when a library cannot be loaded, 4 when b was mapped
 * elsewhere than a. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

typedef long (*lock_fn)(pthread_mutex_t *);

static pthread_mutex_t outer_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t outer_b = PTHREAD_MUTEX_INITIALIZER;

static void *load(const char *path, lock_fn *fn, void **base)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "dlclose_rules: %s\n", dlerror());
        return NULL;
    }
    *fn = (lock_fn)(void (*)(void))dlsym(h, "plugin_lock");
    Dl_info info;
    *base = *fn && dladdr((void *)*fn, &info) ? info.dli_fbase : NULL;
    if (!*base) {
        fprintf(stderr, "dlclose_rules: no plugin_lock in %s\n", path);
        return NULL;
    }
    return h;
}

/* A fresh heap mutex: a lock the shim has not seen, so its first use and its edge
 * are captured (a stack walk) rather than found validated. */
static pthread_mutex_t *new_mutex(void)
{
    pthread_mutex_t *m = malloc(sizeof *m);
    if (!m || pthread_mutex_init(m, NULL) != 0)
        exit(3);
    return m;
}

/* Separate functions of their own (not inlined, and at -O0 no tail calls): the
 * caller frame the walk must come back through is main_calls_b, by name. */
__attribute__((noinline)) static void main_calls_a(lock_fn fn, pthread_mutex_t *inner)
{
    pthread_mutex_lock(&outer_a);
    fn(inner);
    pthread_mutex_unlock(&outer_a);
}

__attribute__((noinline)) static void main_calls_b(lock_fn fn, pthread_mutex_t *inner)
{
    pthread_mutex_lock(&outer_b);
    fn(inner); /* @B_CALL */
    pthread_mutex_unlock(&outer_b);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc != 3) {
        fprintf(stderr, "usage: dlclose_rules PLUGIN_A.so PLUGIN_B.so\n");
        return 2;
    }
    lock_fn a_fn, b_fn;
    void *a_base, *b_base;
    void *ha = load(argv[1], &a_fn, &a_base);
    if (!ha)
        return 2;
    main_calls_a(a_fn, new_mutex());
    dlclose(ha);
    void *hb = load(argv[2], &b_fn, &b_base);
    if (!hb)
        return 2;
    printf("a_base=%p b_base=%p a_fn=+%#lx b_fn=+%#lx\n", a_base, b_base,
           (unsigned long)((char *)(void *)a_fn - (char *)a_base),
           (unsigned long)((char *)(void *)b_fn - (char *)b_base));
    if (a_base != b_base || (void *)a_fn != (void *)b_fn) {
        fprintf(stderr, "dlclose_rules: plugin b was mapped away from plugin a's address: "
                        "no rule of a's could be taken for b's code, nothing is tested\n");
        return 4;
    }
    pthread_mutex_t *inner_b = new_mutex();
    main_calls_b(b_fn, inner_b);
    pthread_mutex_lock(inner_b); /* inner_b then outer_b: inverts main_calls_b's order */
    pthread_mutex_lock(&outer_b);
    pthread_mutex_unlock(&outer_b);
    pthread_mutex_unlock(inner_b);
    /* b stays loaded: the live report symbolizes its frames while it is mapped */
    printf("dlclose_rules: finished\n");
    return 0;
}
