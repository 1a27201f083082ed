// capture_helper (C++): std::mutex locked through std::lock_guard and through a
// unique_lock made in a callee that has returned (take()), at -O0 (std::mutex::lock
// is a real function there) and -O2.  t1 holds ma then takes mb, t2 the reverse.
// The "while holding" stacks must show each held lock at its own line (@T1_A,
// @T2_B) or be marked cut; the live report's names must be demangled.
#include <mutex>
#include <thread>

namespace bank {
std::mutex ma, mb;

__attribute__((noinline)) std::unique_lock<std::mutex> take(std::mutex &m)
{
    return std::unique_lock<std::mutex>(m); // @TAKE
}

void t1()
{
    auto l1 = take(ma);                  // @T1_A
    std::lock_guard<std::mutex> l2(mb);  // @T1_B
}

void t2()
{
    std::lock_guard<std::mutex> l2(mb);  // @T2_B
    auto l1 = take(ma);                  // @T2_A
}
} // namespace bank

int main()
{
    { std::lock_guard<std::mutex> w(bank::ma); } // first uses: captured here
    { std::lock_guard<std::mutex> w(bank::mb); }
    std::thread(bank::t1).join();
    std::thread(bank::t2).join();
    return 0;
}
