/* Two constructors, one locking helper (issue 10, item 7: classes from the init site).
 *
 * cache_new and db_new each make a heap object and pthread_mutex_init its lock.  Every
 * lock is taken by lock_obj, called from one loop in lock_in_order, so the first use of
 * both locks has the same stack: a class keyed by the first use cannot tell them apart
 * (two objects of one class nested are no order between classes), only the init does.
 * argv[1] picks the order: "cache-db" (the default) locks cache then db, "db-cache" the
 * reverse.  One run alone has no cycle; the logs of one run of each, reported together,
 * must give one cross_run lock-order-inversion whose locks are labelled "initialized in
 * cache_new (two_ctors.c:@CACHE_INIT)" and "... db_new (two_ctors.c:@DB_INIT)"
 * (tests/integration/it_init_site.py). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cache {
    long hits;
    pthread_mutex_t lock;
};

struct db { /* unlike struct cache, so that -O2 cannot fold db_new into cache_new */
    long rows;
    char name[16];
    pthread_mutex_t lock;
};

struct cache *cache_new(void)
{
    struct cache *c = calloc(1, sizeof *c);
    if (!c || pthread_mutex_init(&c->lock, NULL) != 0) /* @CACHE_INIT */
        abort();
    c->hits = 1;
    return c;
}

struct db *db_new(void)
{
    struct db *d = calloc(1, sizeof *d);
    if (!d || pthread_mutex_init(&d->lock, NULL) != 0) /* @DB_INIT */
        abort();
    strcpy(d->name, "db");
    return d;
}

/* the only place a lock is taken */
static __attribute__((noinline)) void lock_obj(pthread_mutex_t *m)
{
    if (pthread_mutex_lock(m) != 0)
        abort();
}

static __attribute__((noinline)) void lock_in_order(pthread_mutex_t **order, int n)
{
    for (int i = 0; i < n; i++)
        lock_obj(order[i]);
    for (int i = n; i-- > 0;)
        pthread_mutex_unlock(order[i]);
}

int main(int argc, char **argv)
{
    struct cache *c = cache_new();
    struct db *d = db_new();
    int db_first = argc > 1 && strcmp(argv[1], "db-cache") == 0;
    pthread_mutex_t *order[2] = {&c->lock, &d->lock};
    if (db_first) {
        order[0] = &d->lock;
        order[1] = &c->lock;
    }
    lock_in_order(order, 2);
    c->hits++;
    d->rows++;
    printf("%s\n", db_first ? "db-cache" : "cache-db");
    pthread_mutex_destroy(&c->lock);
    pthread_mutex_destroy(&d->lock);
    free(c);
    free(d);
    return 0;
}
