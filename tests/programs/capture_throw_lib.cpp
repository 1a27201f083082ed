// capture_throw_lib: a C++ library whose functions throw and catch inside a lock,
// for a C program (capture_throw.c) that does not link libgcc_s itself.  Its
// exceptions must be unwound by libgcc_s as without the shim, never by the
// unversioned _Unwind_* of a libunwind the shim brought in (tests/integration/
// it_capture.py, case cxx-throw-from-c).
#include <mutex>
#include <stdexcept>

static std::mutex mu;

extern "C" int throw_in_lock(int times)
{
    int caught = 0;
    for (int i = 0; i < times; i++) {
        try {
            std::lock_guard<std::mutex> g(mu);
            throw std::runtime_error("thrown while holding mu");
        } catch (const std::exception &) {
            caught++;
        }
    }
    return caught;
}
