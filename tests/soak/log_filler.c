/* A program whose log grows fast, for the file-size-limit and full-disk faults
 * (soak.py, case "limits").  Usage: log_filler ROUNDS
 *
 * Two threads; each round creates 64 heap mutexes and takes each inside one of 8
 * outer mutexes at a call depth that varies with the round, so every round adds
 * new LOCK, STACK, EDGE and CONTEXT records; the heap mutexes are then destroyed
 * and freed (LOCK_RETIRE).  It also writes its own file (out.txt in the current
 * directory, a 3 KiB line per round: its own writes must behave as natively, also
 * on a filesystem the log fills).
 * Prints "log_filler: rounds=N sum=S" (deterministic) and exits 0. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OUTER 8
#define PER_ROUND 64

static pthread_mutex_t outer[OUTER];
static int rounds;
static long sums[2];
static char pad[3001];

__attribute__((noinline)) static long nest(int depth, pthread_mutex_t *o, pthread_mutex_t *m,
                                          long v)
{
    if (depth > 0)
        return nest(depth - 1, o, m, v + depth) + 1;
    pthread_mutex_lock(o);
    pthread_mutex_lock(m);
    v = v * 31 + 7;
    pthread_mutex_unlock(m);
    pthread_mutex_unlock(o);
    return v;
}

static void *run(void *arg)
{
    long id = (long)arg, sum = 0;
    FILE *out = id == 0 ? fopen("out.txt", "w") : NULL;
    for (int r = 0; r < rounds; r++) {
        pthread_mutex_t *m = malloc(PER_ROUND * sizeof *m);
        for (int i = 0; i < PER_ROUND; i++)
            pthread_mutex_init(&m[i], NULL);
        for (int i = 0; i < PER_ROUND; i++)
            sum += nest((r + i) % 13, &outer[(r + i + (int)id) % OUTER], &m[i], r + i) % 1000;
        for (int i = 0; i < PER_ROUND; i++)
            pthread_mutex_destroy(&m[i]);
        free(m);
        if (out) /* ~3 KiB a round: 1.2 MB in all, as much as the log on the 4 MiB tmpfs */
            fprintf(out, "round %d sum %ld %.*s\n", r, sum, 3000, pad);
    }
    if (out)
        fclose(out);
    sums[id] = sum;
    return NULL;
}

int main(int argc, char **argv)
{
    rounds = argc > 1 ? atoi(argv[1]) : 1000;
    memset(pad, 'x', sizeof pad - 1);
    for (int i = 0; i < OUTER; i++)
        pthread_mutex_init(&outer[i], NULL);
    pthread_t t;
    pthread_create(&t, NULL, run, (void *)1L);
    run((void *)0L);
    pthread_join(t, NULL);
    printf("log_filler: rounds=%d sum=%ld\n", rounds, sums[0] + sums[1]);
    return 0;
}
