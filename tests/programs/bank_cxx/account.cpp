#include "account.h"

namespace bank {
void Account::transfer_to(Account &other, long amount)
{
    std::lock_guard<std::mutex> mine(m_); // LOCK-MINE
    std::lock_guard<std::mutex> theirs(other.m_); // LOCK-THEIRS
    balance_ -= amount;
    other.balance_ += amount;
}
} // namespace bank
