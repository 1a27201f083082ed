// The C++ part of liblgstaticnames.so (see static_names_a.c), built at -O2: locks in
// namespace-scope arrays of structs, a static class member, a base class's member,
// a class derived from std::mutex.
#include <mutex>
#include <shared_mutex>

#include "static_names.h"

namespace bank {
struct Account {
    long balance;
    std::mutex mu;
};
Account g_accounts[4];

struct Bank {
    int id;
    Account accounts[5];
};
Bank g_bank;

struct Registry {
    static std::mutex lock;
};
std::mutex Registry::lock;

struct Base {
    std::mutex base_mu;
};
struct Derived : Base {
    long n;
    std::shared_mutex rw;
};
Derived g_derived[2];

// the lock is the object itself: a class derived from std::mutex
struct Guarded : std::mutex {
    long value;
};
Guarded g_guarded[3];
} // namespace bank

extern "C" {
void *sn_cxx_account_mu(int i) { return &bank::g_accounts[i].mu; }
void *sn_cxx_bank_mu(int i) { return &bank::g_bank.accounts[i].mu; }
void *sn_cxx_registry(void) { return &bank::Registry::lock; }
void *sn_cxx_derived_base_mu(int i) { return &bank::g_derived[i].base_mu; }
void *sn_cxx_derived_rw(int i) { return &bank::g_derived[i].rw; }
void *sn_cxx_guarded(int i) { return &bank::g_guarded[i]; }
}
