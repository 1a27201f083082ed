/* dlclose_rules_plugin: built twice for dlclose_rules.c, -DPAD=4096
 * (libtp_dlclose_rules_a.so) and -DPAD=8192 (libtp_dlclose_rules_b.so), at -O2
 * without a frame pointer (tests/programs/CMakeLists.txt).  Both frame sizes
 * encode `sub $imm32, %rsp`, so the two copies have the same code layout:
 * plugin_lock and the return address of its call to pthread_mutex_lock sit at the
 * same offsets, while the canonical frame address there is the stack pointer plus
 * 4 KiB more in b than in a.  The loader maps b where a was after a's dlclose, so
 * a rule cached for a's return address is, taken for b's, wrong
 * (it_dlclose_rules.py checks the layouts with objdump). */
#include <pthread.h>

#if !defined(PAD) || PAD < 256
#error "build with -DPAD=N, N >= 256: 32-bit immediates and displacements in every copy"
#endif

/* Takes inner (the caller holds its own lock).  The pad is zeroed so that a walk
 * with a's smaller rule reads a zero return address from inside it and stops: the
 * stack comes out cut at this frame, the same way every run. */
long plugin_lock(pthread_mutex_t *inner)
{
    volatile char pad[PAD];
    for (unsigned i = 0; i < PAD; i++)
        pad[i] = 0;
    pthread_mutex_lock(inner); /* @PLUGIN_LOCK */
    long r = pad[PAD / 2];     /* keeps pad live across the call: no tail call */
    pthread_mutex_unlock(inner);
    return r + pad[0];
}
