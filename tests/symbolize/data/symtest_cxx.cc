// Test module for test_symbolize: a C++ member function whose name must come back
// demangled ("lgtest::Widget::capture_here(int)").
#include <cstdint>

extern "C" std::uintptr_t symtest_capture(void);

namespace lgtest {
struct Widget {
    static std::uintptr_t capture_here(int depth);
};

__attribute__((noinline)) std::uintptr_t Widget::capture_here(int depth)
{
    std::uintptr_t pc = symtest_capture(); // MARK:cxx-call
    return pc + static_cast<std::uintptr_t>(depth) * 0;
}
} // namespace lgtest

extern "C" std::uintptr_t symtest_cxx_entry(void)
{
    return lgtest::Widget::capture_here(1);
}
