// Two constructors, one locking helper, in C++ (issue 10, item 7): two_ctors.c with
// classes whose constructors pthread_mutex_init their lock.  Built at -O0 and -O2 (at
// -O2 the constructors are inlined into main): the label of each lock must name its
// constructor and the line of its init, "initialized in Cache::Cache
// (two_ctors.cpp:@CXX_CACHE_INIT)" and "... Db::Db (two_ctors.cpp:@CXX_DB_INIT)"
// (tests/integration/it_init_site.py).  argv[1]: "cache-db" (default) or "db-cache".
#include <pthread.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>

class Cache {
public:
    Cache()
    {
        if (pthread_mutex_init(&lock, nullptr) != 0) // @CXX_CACHE_INIT
            std::abort();
    }
    ~Cache() { pthread_mutex_destroy(&lock); }
    pthread_mutex_t lock;
    long hits = 0;
};

class Db {
public:
    Db()
    {
        if (pthread_mutex_init(&lock, nullptr) != 0) // @CXX_DB_INIT
            std::abort();
    }
    ~Db() { pthread_mutex_destroy(&lock); }
    pthread_mutex_t lock;
    long rows = 0;
    char name[16] = "db"; // unlike Cache, so that -O2 cannot fold the two constructors
};

// the only place a lock is taken
static __attribute__((noinline)) void lock_obj(pthread_mutex_t *m)
{
    if (pthread_mutex_lock(m) != 0)
        std::abort();
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
    Cache *c = new Cache;
    Db *d = new Db;
    bool db_first = argc > 1 && std::strcmp(argv[1], "db-cache") == 0;
    pthread_mutex_t *order[2] = {&c->lock, &d->lock};
    if (db_first) {
        order[0] = &d->lock;
        order[1] = &c->lock;
    }
    lock_in_order(order, 2);
    c->hits++;
    d->rows++;
    std::printf("%s\n", db_first ? "db-cache" : "cache-db");
    delete c;
    delete d;
    return 0;
}
