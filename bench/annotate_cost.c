/* annotate_cost: what <lockgraph/annotate.h> costs a program run WITHOUT the shim.
 *
 * One thread takes and releases a spinlock of its own N times (uncontended: the
 * cheapest lock there is, so the annotations' share is as large as it gets).  Built
 * twice from this file: annotate_cost (annotated: four weak-reference tests per
 * lock/unlock pair) and annotate_cost_bare (annotate_cost_bare.c: this file with
 * LOCKGRAPH_NO_ANNOTATE, the calls compile to nothing).  Prints ns per lock/unlock pair, the best of R rounds; the
 * two binaries' figures side by side are the cost (docs/shim.md).  Under the shim
 * the annotated binary measures the shim's cost per annotated pair instead.
 *   usage: annotate_cost [N [R]]
 */
#define _POSIX_C_SOURCE 200809L
#include <lockgraph/annotate.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench_clock.h"

struct spinlock {
    atomic_int taken;
};

static __attribute__((noinline)) void spin_lock(struct spinlock *s)
{
    lockgraph_before_lock(s, 0);
    while (atomic_exchange_explicit(&s->taken, 1, memory_order_acquire))
        ;
    lockgraph_after_lock(s, 0, 1);
}

static __attribute__((noinline)) void spin_unlock(struct spinlock *s)
{
    lockgraph_before_unlock(s, 0);
    atomic_store_explicit(&s->taken, 0, memory_order_release);
    lockgraph_after_unlock(s, 0);
}

static struct spinlock lk;

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 20000000;
    int rounds = argc > 2 ? atoi(argv[2]) : 5;
    double best = 1e300;
    for (int r = 0; r < rounds; r++) {
        double t0 = (double)bench_now_ns();
        for (long i = 0; i < n; i++) {
            spin_lock(&lk);
            spin_unlock(&lk);
        }
        double per = ((double)bench_now_ns() - t0) / (double)n;
        if (per < best)
            best = per;
    }
    printf("%s %.2f ns per lock/unlock pair\n",
#ifdef LOCKGRAPH_NO_ANNOTATE
           "bare",
#else
           "annotated",
#endif
           best);
    return 0;
}
