/* Test module for test_symbolize, built -g -O2: symtest_inner is always inlined into
 * symtest_inline_outer, so a PC inside it has two frames (inlined callee, caller). */
#include <stdint.h>

uintptr_t symtest_capture(void);
uintptr_t symtest_inline_outer(int k);

static inline __attribute__((always_inline)) uintptr_t symtest_inner(int k)
{
    uintptr_t pc = symtest_capture(); /* MARK:inline-call */
    /* Keeps the call from becoming a tail jump (which would lose its call site). */
    __asm__ volatile("" ::: "memory");
    return pc + (uintptr_t)k;
}

__attribute__((noinline)) uintptr_t symtest_inline_outer(int k)
{
    uintptr_t pc = symtest_inner(k); /* MARK:inline-site */
    __asm__ volatile("" ::: "memory");
    return pc - (uintptr_t)k;
}
