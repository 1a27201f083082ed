/* Libraries with locks lockgraph cannot see, and whether a process loaded one and
 * recorded none of its locks: the data behind the report's "not seen" notes, so
 * that "0 findings" is never read as "checked".
 *
 * Owns the table of known libraries (unseen_libs.c says why each one is there).  A
 * library is matched by the basename of a MODULE record's path (its soname prefix,
 * any version).  "A lock from it" is a lock whose class is in the library's data
 * or whose first-use stack has a frame in it; a process that loaded the library
 * and has no such lock gets a note.
 *
 * Invariants: data only (present/coverage_notes.c words it); never fails.
 * Complexity: O(modules x table + locks x first-use frames) per process.
 */
#ifndef LOCKGRAPH_UNSEEN_LIBS_H
#define LOCKGRAPH_UNSEEN_LIBS_H

#include "model.h"

typedef enum lg_unseen_extent {
    LG_UNSEEN_ALL = 1,     /* none of the library's own locks go through hooks */
    LG_UNSEEN_INTERNAL = 2 /* its API is hooked, its calls to itself are not */
} lg_unseen_extent;

/* One row of the table. */
typedef struct lg_unseen_lib {
    const char *soname_prefix; /* "libQt5Core.so" */
    const char *locks;         /* what its locks are: "QMutex, QReadWriteLock" */
    lg_unseen_extent extent;
} lg_unseen_lib;

/* One note: module m of the process matches row lib, and no lock came from it. */
typedef struct lg_unseen_note {
    const lg_module *module;
    const lg_unseen_lib *lib;
} lg_unseen_note;

/* The notes of one process (lg_unseen_note, in module order; caller frees the
 * array, which borrows from p and the table). */
GArray *lg_unseen_notes(const lg_process *p);

/* The row a module path matches, or NULL (exposed for tests). */
const lg_unseen_lib *lg_unseen_lib_of(const char *path);

#endif
