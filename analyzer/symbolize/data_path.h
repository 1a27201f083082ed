/* Source-level paths of objects in a module's static data, from its DWARF:
 * the lock at offset 0x28 of `pthread_mutex_t m[4]` is `m[1]`, the one in the third
 * element of `struct { int x; pthread_mutex_t lk; } s[3]` is `s[2].lk`.
 *
 * This file owns the per-module index of variables with a static address and the
 * walk of a variable's type down to one object.  It knows nothing of lock kinds: the
 * caller says which object sizes count as "the lock" (lock_label.c).
 *
 * Invariants
 *  - A path is returned only when it is exact: the address is the start of the
 *    named object, every array index is within its bound (the outermost bound may be
 *    unknown: `extern T m[]`), and the object's size is one of the sizes asked for.
 *    Anything else (no DWARF, a bit-field, a virtual base, a variable-length bound,
 *    an address inside a lock) gives NULL, and the caller keeps the ELF symbol.
 *  - The walk stops at the outermost object that fits: the lock itself, or a type
 *    that wraps it exactly (std::mutex, a one-member class).  An object of one of
 *    the sizes is a lock: the path ends at its start or not at all, never inside it
 *    (not pthread_mutex_t's __data.__owner).  With no sizes given, the walk stops at
 *    the outermost object at the address that is not an array.
 *  - Inheritance and unnamed members (anonymous structs and unions) add no
 *    component: `d.mu` for a member of a base class, as C++ spells it.  When such a
 *    component is itself exactly a lock, the path goes on to its nameable member
 *    (`d.mu`), or else ends at the object holding it (`d` for `D : std::mutex`).
 *  - No component is a reserved identifier (`__data`, `_M_mutex`: the insides of
 *    the implementation's types); a member so named is not entered.
 *  - The root is the variable's ELF symbol, demangled (`bank::g_accounts`, as the
 *    rest of the report names symbols), or its DWARF name when no symbol starts at
 *    the variable.
 *  - Variables found: DW_TAG_variable with a one-operation DW_AT_location of
 *    DW_OP_addr or DW_OP_addrx, anywhere in a unit (namespace scope, C++ static
 *    members defined out of class, function-scope statics, file statics of every
 *    CU); thread-local variables are not (their address is per thread).
 *
 * Complexity: the index is built once per module, on the first lookup, in one pass
 * over the DIEs of every unit (types are not entered): O(D + V log V) for D DIEs and
 * V variables.  A lookup is a binary search, O(log V), plus a walk of the type,
 * O(depth x members per level).
 *
 * Not thread-safe (like the symbolizer that owns the index).
 */
#ifndef LOCKGRAPH_DATA_PATH_H
#define LOCKGRAPH_DATA_PATH_H

#include <elfutils/libdwfl.h>
#include <glib.h>

typedef struct lg_data_index lg_data_index;

/* An index of mod's variables; nothing is read until the first lookup.  mod must
 * outlive the index. */
lg_data_index *lg_data_index_new(Dwfl_Module *mod);
void lg_data_index_free(lg_data_index *ix);

/* The path of the object at module address rel (load bias 0) whose size is one of
 * sizes[0..nsizes) (nsizes 0: any size, see above), e.g. "bank::g_accounts[2].mu";
 * NULL when there is none (newly allocated). */
char *lg_data_path(lg_data_index *ix, guint64 rel, const guint64 *sizes, gsize nsizes);

#endif
