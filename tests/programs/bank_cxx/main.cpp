#include "account.h"

#include <thread>

int main()
{
    bank::Account a(100), b(100);
    // One after the other: the order a->b, then b->a, never at the same time (no hang).
    std::thread t1([&] { a.transfer_to(b, 10); });
    t1.join();
    std::thread t2([&] { b.transfer_to(a, 5); });
    t2.join();
    return a.balance() + b.balance() == 200 ? 0 : 1;
}
