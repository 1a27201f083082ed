/* annotated_spinlock: a spinlock of the program's own, with an ABBA inversion.
 *
 * lockgraph sees locks that go through pthread; a spinlock built on an atomic flag
 * is invisible to it.  Six calls from <lockgraph/annotate.h> in the lock's own
 * functions describe it (they cost a never-taken branch when lockgraph is not
 * loaded, and need no library).  From then on it is checked like a pthread mutex.
 *
 * The bug is bank_transfer's: move_stock(from, to) locks the source shelf, then the
 * destination.  One thread moves stock from the store to the warehouse, another
 * back, so the two spinlocks are taken in opposite orders; run at the same moment,
 * each thread would spin forever on the lock the other holds.  This program runs
 * the threads one after the other and never hangs; lockgraph predicts the deadlock.
 * The fix is in annotated_spinlock_fixed.c.
 */
#include <lockgraph/annotate.h>

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

struct spinlock {
    atomic_flag taken;
};

static void spin_init(struct spinlock *s)
{
    atomic_flag_clear(&s->taken);
    lockgraph_create(s, 0);
}

static void spin_lock(struct spinlock *s)
{
    lockgraph_before_lock(s, 0); /* may wait: lockgraph publishes the wait */
    while (atomic_flag_test_and_set_explicit(&s->taken, memory_order_acquire))
        sched_yield();
    lockgraph_after_lock(s, 0, 1);
}

static void spin_unlock(struct spinlock *s)
{
    lockgraph_before_unlock(s, 0);
    atomic_flag_clear_explicit(&s->taken, memory_order_release);
    lockgraph_after_unlock(s, 0);
}

struct shelf {
    int items;
    struct spinlock lock;
};

static struct shelf store = {40, {ATOMIC_FLAG_INIT}};
static struct shelf warehouse = {100, {ATOMIC_FLAG_INIT}};

struct move_job {
    struct shelf *from, *to;
    int n;
};

/* BUG: the lock order depends on the direction of the move. */
static void move_stock(struct shelf *from, struct shelf *to, int n)
{
    spin_lock(&from->lock);
    spin_lock(&to->lock);
    from->items -= n;
    to->items += n;
    spin_unlock(&to->lock);
    spin_unlock(&from->lock);
}

static void *move_thread(void *arg)
{
    struct move_job *job = arg;
    move_stock(job->from, job->to, job->n);
    return NULL;
}

int main(void)
{
    spin_init(&store.lock);
    spin_init(&warehouse.lock);
    struct move_job jobs[2] = {{&store, &warehouse, 10}, {&warehouse, &store, 25}};

    /* One thread per move, one after the other: nothing can hang here. */
    for (int i = 0; i < 2; i++) {
        pthread_t t;
        pthread_create(&t, NULL, move_thread, &jobs[i]);
        pthread_join(t, NULL);
    }
    printf("store=%d warehouse=%d\n", store.items, warehouse.items);
    return 0;
}
