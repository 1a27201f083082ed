/* omp_locks MODE: OpenMP's own locks (omp_lock_t, omp_nest_lock_t, critical sections),
 * which libgomp builds on its futex rather than on pthread.  Every mode runs a team
 * of two OpenMP threads; thread 0 runs the first function, then (after an OpenMP
 * barrier, itself invisible to lockgraph) thread 1 runs the second, so that an
 * inversion is seen without hanging.
 *   abba          lock_ab(): la then lb; lock_ba(): lb then la.  One inversion on
 *                 {la, lb}.
 *   ordered       lock_ab() in both threads: nothing to report.
 *   testlock      lock_ab(), then test_ba(): lb, then la by omp_test_lock (backs off):
 *                 ruled out by the trylock rule, nothing reported.
 *   nest          nest_ab(): na twice (nested) then nb; nest_ba(): nb then na: one
 *                 inversion on {na, nb}; the nested re-lock is no finding.
 *   named         named_then_lock(): critical(alpha) then la; lock_then_named(): la
 *                 then critical(alpha).  One inversion on {critical(alpha), la}.
 *   unnamed       the same with the unnamed critical section.
 *   deadlock, nest_deadlock, named_deadlock, unnamed_deadlock
 *                 the matching pairs run at the same time, each thread holding its
 *                 first lock before either asks for its second: a real deadlock,
 *                 which lockgraph must report and end (status 86).  alarm(15) ends a
 *                 run that nothing ends (without the shim).
 * (GCC only for named/unnamed: clang compiles critical sections to libomp's
 * __kmpc_critical, not to GOMP_critical_*; the lock modes build with both.)
 * Every lock line that a report must point at carries a marker comment ("site: ...").
 */
#define _GNU_SOURCE
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static omp_lock_t la, lb;
static omp_nest_lock_t na, nb;
static int first_holds, second_holds; /* deadlock modes: each thread holds its first lock */
static int dead;                        /* the mode really deadlocks */

static void pause_ms(long ms)
{
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

/* In a deadlock mode: say this thread holds its first lock and wait for the other's. */
static void meet(int *mine, int *theirs)
{
    if (!dead)
        return;
    __atomic_store_n(mine, 1, __ATOMIC_RELEASE);
    while (!__atomic_load_n(theirs, __ATOMIC_ACQUIRE))
        pause_ms(1);
    pause_ms(50); /* the other thread is (almost surely) blocked by now... or about to */
}

static void lock_ab(void)
{
    omp_set_lock(&la); /* site: lock_ab la */
    meet(&first_holds, &second_holds);
    omp_set_lock(&lb); /* site: lock_ab lb */
    omp_unset_lock(&lb);
    omp_unset_lock(&la);
}

static void lock_ba(void)
{
    omp_set_lock(&lb); /* site: lock_ba lb */
    meet(&second_holds, &first_holds);
    omp_set_lock(&la); /* site: lock_ba la */
    omp_unset_lock(&la);
    omp_unset_lock(&lb);
}

static void test_ba(void)
{
    omp_set_lock(&lb);
    if (omp_test_lock(&la)) /* backs off when busy: cannot deadlock */
        omp_unset_lock(&la);
    omp_unset_lock(&lb);
}

static void nest_ab(void)
{
    omp_set_nest_lock(&na); /* site: nest_ab na */
    omp_set_nest_lock(&na); /* nested: granted at once, no finding */
    meet(&first_holds, &second_holds);
    omp_set_nest_lock(&nb); /* site: nest_ab nb */
    omp_unset_nest_lock(&nb);
    omp_unset_nest_lock(&na);
    omp_unset_nest_lock(&na);
}

static void nest_ba(void)
{
    omp_set_nest_lock(&nb); /* site: nest_ba nb */
    meet(&second_holds, &first_holds);
    if (omp_test_nest_lock(&nb) == 2) /* nested try of a held nest lock: granted */
        omp_unset_nest_lock(&nb);
    omp_set_nest_lock(&na); /* site: nest_ba na */
    omp_unset_nest_lock(&na);
    omp_unset_nest_lock(&nb);
}

#ifndef __clang__
static void named_then_lock(void)
{
#pragma omp critical(alpha) /* site: named_then_lock alpha */
    {
        meet(&first_holds, &second_holds);
        omp_set_lock(&la); /* site: named_then_lock la */
        omp_unset_lock(&la);
    }
}

static void lock_then_named(void)
{
    omp_set_lock(&la); /* site: lock_then_named la */
    meet(&second_holds, &first_holds);
#pragma omp critical(alpha) /* site: lock_then_named alpha */
    {
        pause_ms(1);
    }
    omp_unset_lock(&la);
}

static void unnamed_then_lock(void)
{
#pragma omp critical /* site: unnamed_then_lock critical */
    {
        meet(&first_holds, &second_holds);
        omp_set_lock(&la); /* site: unnamed_then_lock la */
        omp_unset_lock(&la);
    }
}

static void lock_then_unnamed(void)
{
    omp_set_lock(&la); /* site: lock_then_unnamed la */
    meet(&second_holds, &first_holds);
#pragma omp critical /* site: lock_then_unnamed critical */
    {
        pause_ms(1);
    }
    omp_unset_lock(&la);
}
#endif

struct mode {
    const char *name;
    void (*first)(void), (*second)(void);
    int deadlocks;
};

static const struct mode modes[] = {
    {"abba", lock_ab, lock_ba, 0},
    {"ordered", lock_ab, lock_ab, 0},
    {"testlock", lock_ab, test_ba, 0},
    {"nest", nest_ab, nest_ba, 0},
    {"deadlock", lock_ab, lock_ba, 1},
    {"nest_deadlock", nest_ab, nest_ba, 1},
#ifndef __clang__
    {"named", named_then_lock, lock_then_named, 0},
    {"unnamed", unnamed_then_lock, lock_then_unnamed, 0},
    {"named_deadlock", named_then_lock, lock_then_named, 1},
    {"unnamed_deadlock", unnamed_then_lock, lock_then_unnamed, 1},
#endif
};

int main(int argc, char **argv)
{
    const struct mode *m = NULL;
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        if (argc > 1 && strcmp(argv[1], modes[i].name) == 0)
            m = &modes[i];
    if (!m) {
        fprintf(stderr, "usage: omp_locks MODE (see the source)\n");
        return 2;
    }
    dead = m->deadlocks;
    if (dead)
        alarm(15);
    omp_init_lock(&la);
    omp_init_lock(&lb);
    omp_init_nest_lock(&na);
    omp_init_nest_lock(&nb);
    int team = 0;
#pragma omp parallel num_threads(2) shared(team)
    {
        int me = omp_get_thread_num();
#pragma omp atomic
        team++;
        if (dead) {
            (me == 0 ? m->first : m->second)();
        } else {
            if (me == 0)
                m->first();
#pragma omp barrier
            if (me == 1)
                m->second();
        }
    }
    if (team != 2) {
        fprintf(stderr, "omp_locks: a team of %d threads, not 2\n", team);
        return 3;
    }
    omp_destroy_lock(&la);
    omp_destroy_lock(&lb);
    omp_destroy_nest_lock(&na);
    omp_destroy_nest_lock(&nb);
    printf("omp_locks %s done\n", m->name);
    return 0;
}
