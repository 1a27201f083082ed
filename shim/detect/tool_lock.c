#define _GNU_SOURCE
#include "tool_lock.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Drepper's three-state futex mutex ("Futexes are tricky", mutex 2). */
void lg_tool_lock_take(lg_tool_lock *l)
{
    int c = 0;
    if (atomic_compare_exchange_strong_explicit(&l->state, &c, 1, memory_order_acquire,
                                                memory_order_relaxed))
        return;
    for (int spin = 0; spin < 100; spin++) {
        c = 0;
        if (atomic_compare_exchange_weak_explicit(&l->state, &c, 1, memory_order_acquire,
                                                  memory_order_relaxed))
            return;
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
    }
    if (c != 2)
        c = atomic_exchange_explicit(&l->state, 2, memory_order_acquire);
    while (c != 0) {
        syscall(SYS_futex, &l->state, FUTEX_WAIT_PRIVATE, 2, NULL, NULL, 0);
        c = atomic_exchange_explicit(&l->state, 2, memory_order_acquire);
    }
}

void lg_tool_lock_give(lg_tool_lock *l)
{
    if (atomic_fetch_sub_explicit(&l->state, 1, memory_order_release) != 1) {
        atomic_store_explicit(&l->state, 0, memory_order_release);
        syscall(SYS_futex, &l->state, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    }
}
