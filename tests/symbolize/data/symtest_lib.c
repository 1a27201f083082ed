/* Test module for test_symbolize, built -g -O0 into a shared object.  The marker
 * comments name the lines the test expects; it finds them by reading this file, so
 * editing above them is fine. */
#include <stdint.h>

/* Returns its call site the way the shim records PCs: return address minus one. */
__attribute__((noinline)) uintptr_t symtest_capture(void)
{
    return (uintptr_t)__builtin_return_address(0) - 1;
}

uintptr_t symtest_outer(void)
{
    uintptr_t pc = symtest_capture(); /* MARK:outer-call */
#ifdef SYMTEST_VARIANT
    /* A second build of this file with different code, hence a different build-id:
     * stands for "the binary was rebuilt after the run". */
    pc ^= SYMTEST_VARIANT;
#endif
    return pc;
}
