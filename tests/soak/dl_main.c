/* A library dlclose()d while its code is on recorded stacks (soak.py, case
 * "dlclose").  Usage: dl_main PLUGIN_A.so PLUGIN_B.so
 *
 * A thread calls plugin_a_order(&x, &y) in plugin a (x then y: a lock-order edge
 * whose stacks are in a's code), then main dlclose()s a and dlopen()s b, and calls
 * plugin_b_order(&p, &q) (edges whose stacks are in b's code, often at a's old
 * addresses).  Then main takes y then x: a lock-order inversion against the edge
 * recorded in a's code, which is no longer mapped.  Prints the load addresses of
 * a and b ("a_base=0x... b_base=0x...") and "dlclose: finished"; exits 0 (2 when a
 * library cannot be loaded). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

typedef long (*order_fn)(pthread_mutex_t *, pthread_mutex_t *);

static pthread_mutex_t x = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t y = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t p = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t q = PTHREAD_MUTEX_INITIALIZER;
static order_fn a_order;

static void *in_a(void *arg)
{
    (void)arg;
    a_order(&x, &y);
    return NULL;
}

static void *load(const char *path, const char *fn, order_fn *out, void **base)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "dl_main: %s\n", dlerror());
        return NULL;
    }
    *out = (order_fn)(void (*)(void))dlsym(h, fn);
    Dl_info info;
    *base = *out && dladdr((void *)*out, &info) ? info.dli_fbase : NULL;
    return *out ? h : NULL;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc != 3)
        return 2;
    void *a_base, *b_base;
    order_fn b_order;
    void *ha = load(argv[1], "plugin_a_order", &a_order, &a_base);
    if (!ha)
        return 2;
    pthread_t t;
    pthread_create(&t, NULL, in_a, NULL);
    pthread_join(t, NULL);
    dlclose(ha);
    void *hb = load(argv[2], "plugin_b_order", &b_order, &b_base);
    if (!hb)
        return 2;
    b_order(&p, &q);
    b_order(&p, &q);
    printf("a_base=%p b_base=%p\n", a_base, b_base);
    pthread_mutex_lock(&y); /* y then x: inverts the order taken in a's code */
    pthread_mutex_lock(&x);
    pthread_mutex_unlock(&x);
    pthread_mutex_unlock(&y);
    dlclose(hb);
    printf("dlclose: finished\n");
    return 0;
}
