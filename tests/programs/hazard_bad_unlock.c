/* Bad unlocks of a mutex or a spinlock; the program goes on and ends with
 * "bad unlock: finished", exit 0.
 *   unlocked  mutex|spin   unlock of a lock that nobody locked:
 *                          one `bad-unlock:` finding, not flagged not_owner
 *   not-owner mutex|spin   a helper thread locks the lock and keeps it; main
 *                          unlocks it: one `bad-unlock: ... [not_owner]` finding */
#include "hazard_util.h"

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_spinlock_t spin;
static int use_spin;
static volatile int holding, released;

static void *holder(void *arg)
{
    (void)arg;
    if (use_spin)
        hz_ok(pthread_spin_lock(&spin), "spin lock");
    else
        hz_ok(pthread_mutex_lock(&mutex), "mutex lock");
    hz_set_flag(&holding);
    hz_wait_flag(&released); /* main has unlocked it for us: nothing left to unlock */
    return NULL;
}

static int unlock_it(void)
{
    return use_spin ? pthread_spin_unlock(&spin) : pthread_mutex_unlock(&mutex);
}

int main(int argc, char **argv)
{
    hz_init();
    const char *sort = argc > 2 ? argv[1] : "", *type = argc > 2 ? argv[2] : "";
    if ((strcmp(sort, "unlocked") && strcmp(sort, "not-owner")) ||
        (strcmp(type, "mutex") && strcmp(type, "spin"))) {
        fprintf(stderr, "usage: %s unlocked|not-owner mutex|spin\n", argv[0]);
        return 2;
    }
    use_spin = !strcmp(type, "spin");
    hz_ok(pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE), "spin_init");
    if (!strcmp(sort, "unlocked")) {
        printf("bad unlock: %s unlock returned %d\n", type, unlock_it());
    } else {
        pthread_t t = hz_spawn(holder, NULL);
        hz_wait_flag(&holding);
        printf("bad unlock: %s unlock returned %d\n", type, unlock_it());
        hz_set_flag(&released);
        pthread_join(t, NULL);
        /* the lock is free again: main can take it */
        printf("bad unlock: %s relock returned %d\n", type,
               use_spin ? pthread_spin_trylock(&spin) : pthread_mutex_trylock(&mutex));
        unlock_it();
    }
    printf("bad unlock: finished\n");
    return 0;
}
