/* The environment `lockgraph run` gives PROG: which libraries are preloaded and in
 * what order, and the per-run identifiers.
 *
 * Invariants
 *  - The preload list puts the libraries that must come first (the ASan runtime, then
 *    the shim) at its head, in that order, followed by the user's existing entries
 *    minus any duplicate of those (same path or same file), so nothing is loaded
 *    twice and the user's own preloads still apply.
 *  - The output is ':'-separated; the input is split like ld.so does, on ':' and ' '.
 */
#ifndef LOCKGRAPH_RUN_ENV_H
#define LOCKGRAPH_RUN_ENV_H

#include <glib.h>

/* New LD_PRELOAD value: first[] (NULL-terminated, absolute paths), then the entries of
 * `existing` (may be NULL) that are not already in first[].  g_free the result. */
char *lg_preload_compose(const char *const *first, const char *existing);

/* The first entry of an LD_PRELOAD value that is an ASan runtime (libasan.so*,
 * libclang_rt.asan*), or NULL: a user who preloads ASan already must keep it first.
 * g_free. */
char *lg_preload_find_asan(const char *existing);

/* A fresh run id: 32 lowercase hex characters from getrandom(2).  g_free. */
char *lg_run_id_new(void);

/* Where the launcher expects the shim: $LOCKGRAPH_SHIM if set, else
 * <directory of /proc/self/exe>/../lib/liblockgraph.so.  Always absolute and
 * normalized; NULL with *err if /proc/self/exe cannot be read.  g_free. */
char *lg_shim_path(GError **err);

#endif
