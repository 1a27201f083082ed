/* c11_mtx: ABBA with C11 <threads.h> mutexes and threads.
 * mtx_worker_ab() locks A then B, mtx_worker_ba() locks B then A, one thread after
 * the other: one lock-order inversion on two mtx_t locks. */
#include <stdio.h>
#include <threads.h>

static mtx_t mtx_a, mtx_b;

static int mtx_worker_ab(void *arg)
{
    (void)arg;
    mtx_lock(&mtx_a);
    mtx_lock(&mtx_b);
    mtx_unlock(&mtx_b);
    mtx_unlock(&mtx_a);
    return 0;
}

static int mtx_worker_ba(void *arg)
{
    (void)arg;
    mtx_lock(&mtx_b);
    mtx_lock(&mtx_a);
    mtx_unlock(&mtx_a);
    mtx_unlock(&mtx_b);
    return 0;
}

int main(void)
{
    thrd_t t;
    if (mtx_init(&mtx_a, mtx_plain) != thrd_success ||
        mtx_init(&mtx_b, mtx_plain) != thrd_success)
        return 3;
    thrd_create(&t, mtx_worker_ab, NULL);
    thrd_join(t, NULL);
    thrd_create(&t, mtx_worker_ba, NULL);
    thrd_join(t, NULL);
    mtx_destroy(&mtx_a);
    mtx_destroy(&mtx_b);
    printf("c11 done\n");
    return 0;
}
