// A two-file C++ program with a lock-order inversion through std::lock_guard:
// transfer_to locks this account, then the other one (tests/integration/it_user_sites.sh).
#pragma once
#include <mutex>

namespace bank {
class Account {
  public:
    explicit Account(long balance) : balance_(balance) {}
    void transfer_to(Account &other, long amount);
    long balance() const { return balance_; }

  private:
    std::mutex m_;
    long balance_;
};
} // namespace bank
