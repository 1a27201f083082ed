/* nested_cache_fixed: the twin of nested_cache.c without the inversion.
 *
 * The rule is now "table_lock before any entry lock", everywhere: cache_evict()
 * takes table_lock first, unlinks the entry, and takes the entry's lock (to wait
 * for a user of its value) only while still holding table_lock.  Lookups and
 * evictions use the same order and lockgraph reports nothing.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NENTRIES 4

struct entry {
    pthread_mutex_t lock; /* protects value */
    char key[16];
    int value;
};

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER; /* protects table[] */
static struct entry *table[NENTRIES];

/* table -> entry */
static int cache_lookup(const char *key, int *value)
{
    int found = 0;
    pthread_mutex_lock(&table_lock);
    for (int i = 0; i < NENTRIES; i++) {
        struct entry *e = table[i];
        if (e && strcmp(e->key, key) == 0) {
            pthread_mutex_lock(&e->lock);
            *value = e->value;
            pthread_mutex_unlock(&e->lock);
            found = 1;
            break;
        }
    }
    pthread_mutex_unlock(&table_lock);
    return found;
}

/* FIX: table -> entry, like cache_lookup(). */
static void cache_evict(struct entry *victim)
{
    pthread_mutex_lock(&table_lock);
    for (int i = 0; i < NENTRIES; i++)
        if (table[i] == victim)
            table[i] = NULL;
    pthread_mutex_lock(&victim->lock); /* wait for a user of the value */
    pthread_mutex_unlock(&victim->lock);
    pthread_mutex_unlock(&table_lock);

    pthread_mutex_destroy(&victim->lock);
    free(victim);
}

static void *reader(void *arg)
{
    (void)arg;
    int v, sum = 0;
    if (cache_lookup("key0", &v))
        sum += v;
    if (cache_lookup("key2", &v))
        sum += v;
    printf("reader: sum=%d\n", sum);
    return NULL;
}

static void *evictor(void *arg)
{
    cache_evict(arg);
    return NULL;
}

int main(void)
{
    for (int i = 0; i < NENTRIES; i++) {
        struct entry *e = calloc(1, sizeof *e);
        pthread_mutex_init(&e->lock, NULL);
        snprintf(e->key, sizeof e->key, "key%d", i);
        e->value = 10 * i;
        table[i] = e;
    }

    pthread_t t;
    pthread_create(&t, NULL, reader, NULL);
    pthread_join(t, NULL);
    pthread_create(&t, NULL, evictor, table[0]);
    pthread_join(t, NULL);

    for (int i = 0; i < NENTRIES; i++)
        if (table[i]) {
            pthread_mutex_destroy(&table[i]->lock);
            free(table[i]);
        }
    printf("done\n");
    return 0;
}
