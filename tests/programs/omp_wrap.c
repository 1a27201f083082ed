/* omp_wrap: verify_wrap's part for OpenMP (shim/hooks/omp.c): one call of each
 * omp_*_lock / omp_*_nest_lock / GOMP_critical_* hook, each leaving its own trace
 * in the log, and a "name address" line for every lock (tests/integration/
 * it_verify_wrap.py checks them).  Linked into tp_verify_wrap (built with
 * -fopenmp, so against libgomp); verify_wrap.c calls omp_hooks().  The critical
 * sections are called by their entry points, as GCC compiles the pragmas. */
#define _GNU_SOURCE
#include <omp.h>
#include <stdio.h>

void omp_hooks(void);
void GOMP_critical_start(void);
void GOMP_critical_end(void);
void GOMP_critical_name_start(void **);
void GOMP_critical_name_end(void **);

static omp_lock_t o_outer, o_lock, o_try, o_after, o_in_crit, o_in_named;
static omp_nest_lock_t n_outer, n_lock, n_try;
static void *crit_name; /* what .gomp_critical_user_NAME is */

void omp_hooks(void)
{
    printf("o_outer %p\no_lock %p\no_try %p\no_after %p\no_in_crit %p\no_in_named %p\n",
           (void *)&o_outer, (void *)&o_lock, (void *)&o_try, (void *)&o_after,
           (void *)&o_in_crit, (void *)&o_in_named);
    printf("n_outer %p\nn_lock %p\nn_try %p\ncrit_name %p\n", (void *)&n_outer,
           (void *)&n_lock, (void *)&n_try, (void *)&crit_name);
    omp_lock_t *simple[] = {&o_outer, &o_lock, &o_try, &o_after, &o_in_crit, &o_in_named};
    for (int i = 0; i < 6; i++)
        omp_init_lock(simple[i]);
    omp_init_nest_lock(&n_outer), omp_init_nest_lock(&n_lock), omp_init_nest_lock(&n_try);

    omp_set_lock(&o_outer);
    omp_set_lock(&o_lock); /* o_outer -> o_lock */
    omp_unset_lock(&o_lock);
    if (omp_test_lock(&o_try)) /* o_outer -> o_try (try) */
        omp_unset_lock(&o_try);
    omp_unset_lock(&o_outer);
    omp_set_lock(&o_after); /* unset was seen: no o_outer -> o_after */
    omp_unset_lock(&o_after);

    omp_set_nest_lock(&n_outer);
    omp_set_nest_lock(&n_lock); /* n_outer -> n_lock */
    omp_unset_nest_lock(&n_lock);
    if (omp_test_nest_lock(&n_try)) /* n_outer -> n_try (try) */
        omp_unset_nest_lock(&n_try);
    omp_unset_nest_lock(&n_outer);

    GOMP_critical_start();
    omp_set_lock(&o_in_crit); /* the unnamed critical section -> o_in_crit */
    omp_unset_lock(&o_in_crit);
    GOMP_critical_end();
    GOMP_critical_name_start(&crit_name);
    omp_set_lock(&o_in_named); /* crit_name -> o_in_named */
    omp_unset_lock(&o_in_named);
    GOMP_critical_name_end(&crit_name);

    omp_init_lock(&o_lock);          /* a known address initialised again: reinit */
    omp_destroy_lock(&o_try);        /* destroy */
    omp_destroy_nest_lock(&n_lock);  /* destroy */
    omp_init_nest_lock(&n_try);      /* reinit */
}
