/* The types and accessors of liblgstaticnames.so (static_names_a.c, _b.c and
 * static_names.cpp), shared with tests/report/test_static_names.c, which computes
 * the addresses of the library's objects from them.  The objects themselves are not
 * declared here: the test finds them with dlsym, because a reference from the
 * executable would move them into it (a copy relocation), out of the library whose
 * DWARF describes them. */
#ifndef LOCKGRAPH_TEST_STATIC_NAMES_H
#define LOCKGRAPH_TEST_STATIC_NAMES_H

#include <pthread.h>

struct sn_item {
    int x;
    pthread_mutex_t lk;
};

/* a member of a member, rwlocks, and an unnamed struct member (no component) */
struct sn_table {
    long id;
    struct {
        char tag[8];
        pthread_rwlock_t rw[2];
    };
    struct {
        pthread_spinlock_t spin;
        int count;
    } slots[4];
};

#ifdef __cplusplus
extern "C" {
#endif
void *sn_a_local(int i);
void *sn_b_local(int i);
void *sn_cxx_account_mu(int i);
void *sn_cxx_bank_mu(int i);
void *sn_cxx_registry(void);
void *sn_cxx_derived_base_mu(int i);
void *sn_cxx_derived_rw(int i);
void *sn_cxx_guarded(int i);
#ifdef __cplusplus
}
#endif

#endif
