/* Stress: 64 threads x many operations on shared and private locks: nested mutexes
 * taken in one global order, trylocks, an rwlock, a spinlock, a private mutex, and
 * a token pool on a mutex + condvar (every thread puts a token before it takes one,
 * so no take can wait forever).  Correct program: lockgraph must report nothing.
 * Each counter is checked against the threads' own tallies, so a lock that stopped
 * excluding under the shim fails the run (exit 1).  Prints "stress threads: ok ..."
 * and exits 0. */
#include "hazard_util.h"

#define THREADS 64
#define NSHARED 8
#define ITERS_DEFAULT 20000

static pthread_mutex_t shared[NSHARED];
static long shared_count[NSHARED];
static pthread_rwlock_t table_lock = PTHREAD_RWLOCK_INITIALIZER;
static long table_value;
static pthread_spinlock_t spin;
static long spin_count;
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_cond = PTHREAD_COND_INITIALIZER;
static long tokens;
static int iters = ITERS_DEFAULT;

struct tally {
    long shared[NSHARED];
    long table_writes, spins, private_ops, reads_ok;
    pthread_mutex_t private_lock;
    long private_count;
};

static unsigned next_rand(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return *s >> 8;
}

static void *worker(void *arg)
{
    struct tally *t = arg;
    unsigned seed = (unsigned)(uintptr_t)arg;
    for (int i = 0; i < iters; i++) {
        unsigned r = next_rand(&seed);
        switch (r % 7) {
        case 0: { /* two shared locks, always lower index first */
            int a = (int)(r / 7 % NSHARED), b = (int)(r / 56 % NSHARED);
            if (a == b)
                b = (a + 1) % NSHARED;
            if (a > b) {
                int x = a;
                a = b;
                b = x;
            }
            hz_ok(pthread_mutex_lock(&shared[a]), "lock a");
            hz_ok(pthread_mutex_lock(&shared[b]), "lock b");
            shared_count[a]++;
            shared_count[b]++;
            t->shared[a]++;
            t->shared[b]++;
            hz_ok(pthread_mutex_unlock(&shared[b]), "unlock b");
            hz_ok(pthread_mutex_unlock(&shared[a]), "unlock a");
            break;
        }
        case 1: { /* trylock, in order, backing off when busy */
            int a = (int)(r / 7 % (NSHARED - 1));
            hz_ok(pthread_mutex_lock(&shared[a]), "lock a");
            int rc = pthread_mutex_trylock(&shared[a + 1]);
            if (rc == 0) {
                shared_count[a + 1]++;
                t->shared[a + 1]++;
                hz_ok(pthread_mutex_unlock(&shared[a + 1]), "unlock try");
            } else if (rc != EBUSY) {
                hz_ok(rc, "trylock");
            }
            shared_count[a]++;
            t->shared[a]++;
            hz_ok(pthread_mutex_unlock(&shared[a]), "unlock a");
            break;
        }
        case 2:
            if (r & 0x100) {
                hz_ok(pthread_rwlock_wrlock(&table_lock), "wrlock");
                table_value++;
                t->table_writes++;
            } else {
                hz_ok(pthread_rwlock_rdlock(&table_lock), "rdlock");
                t->reads_ok += table_value >= 0;
            }
            hz_ok(pthread_rwlock_unlock(&table_lock), "rw unlock");
            break;
        case 3:
            hz_ok(pthread_spin_lock(&spin), "spin lock");
            spin_count++;
            t->spins++;
            hz_ok(pthread_spin_unlock(&spin), "spin unlock");
            break;
        case 4: /* private lock, nested inside a shared one (same order everywhere) */
            hz_ok(pthread_mutex_lock(&shared[0]), "lock 0");
            hz_ok(pthread_mutex_lock(&t->private_lock), "private lock");
            t->private_count++;
            t->private_ops++;
            hz_ok(pthread_mutex_unlock(&t->private_lock), "private unlock");
            shared_count[0]++;
            t->shared[0]++;
            hz_ok(pthread_mutex_unlock(&shared[0]), "unlock 0");
            break;
        default: /* put a token, then take one (waiting on the condvar if none) */
            hz_ok(pthread_mutex_lock(&pool_lock), "pool lock");
            tokens++;
            if (r & 0x200)
                hz_ok(pthread_cond_broadcast(&pool_cond), "broadcast");
            else
                hz_ok(pthread_cond_signal(&pool_cond), "signal");
            hz_ok(pthread_mutex_unlock(&pool_lock), "pool unlock");
            hz_ok(pthread_mutex_lock(&pool_lock), "pool lock");
            while (tokens == 0)
                hz_ok(pthread_cond_wait(&pool_cond, &pool_lock), "cond_wait");
            tokens--;
            hz_ok(pthread_mutex_unlock(&pool_lock), "pool unlock");
            break;
        }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    hz_init();
    if (argc > 1)
        iters = atoi(argv[1]);
    for (int i = 0; i < NSHARED; i++)
        hz_ok(pthread_mutex_init(&shared[i], NULL), "mutex_init");
    hz_ok(pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE), "spin_init");
    static struct tally tallies[THREADS];
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++) {
        hz_ok(pthread_mutex_init(&tallies[i].private_lock, NULL), "private init");
        th[i] = hz_spawn(worker, &tallies[i]);
    }
    long want_shared[NSHARED] = {0}, want_table = 0, want_spin = 0, ops = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        for (int k = 0; k < NSHARED; k++)
            want_shared[k] += tallies[i].shared[k];
        want_table += tallies[i].table_writes;
        want_spin += tallies[i].spins;
        if (tallies[i].private_count != tallies[i].private_ops) {
            printf("stress threads: private counter of thread %d is wrong\n", i);
            return 1;
        }
        hz_ok(pthread_mutex_destroy(&tallies[i].private_lock), "private destroy");
    }
    int bad = table_value != want_table || spin_count != want_spin || tokens != 0;
    for (int k = 0; k < NSHARED; k++) {
        bad |= shared_count[k] != want_shared[k];
        ops += shared_count[k];
    }
    if (bad) {
        printf("stress threads: lost updates (table %ld/%ld, spin %ld/%ld, tokens %ld)\n",
               table_value, want_table, spin_count, want_spin, tokens);
        return 1;
    }
    printf("stress threads: ok, %d threads x %d iterations, %ld shared increments\n",
           THREADS, iters, ops);
    return 0;
}
