/* Where SARIF says a source file is: relative to a source root (a `uriBaseId`) when
 * the file lies under it, an absolute file:// URI otherwise.
 *
 * Code scanning (GitHub) matches a result to the repository's files by a path
 * relative to the checkout; an absolute path of the build machine matches nothing.
 * So a report names its files under the root SRCROOT, and run.originalUriBaseIds says
 * where that root was (file:// URI ending in '/').
 *
 * Invariants
 *  - Purely lexical: the root and the files are compared as canonical path strings
 *    (no symlinks resolved, nothing needs to exist), so a report of logs copied from
 *    another machine names the same relative paths.
 *  - A root always ends in '/'; a relative URI never starts with '/' or "..".
 *  - The automatic root (lg_sarif_git_toplevel) is found by walking up from a file's
 *    directory to the nearest one holding a `.git` entry (a directory, or the file of
 *    a worktree or submodule): at most one stat per directory level, no git process.
 */
#ifndef LOCKGRAPH_SARIF_URI_H
#define LOCKGRAPH_SARIF_URI_H

#include <glib.h>

#define LG_SARIF_SRCROOT "SRCROOT"

/* The canonical absolute form of dir (relative to the working directory), ending in
 * '/'.  Newly allocated. */
char *lg_sarif_root_dir(const char *dir);

/* The git toplevel of an absolute file path (ending in '/'), or NULL when no
 * directory above it holds a `.git` entry.  cache (may be NULL) maps directories to
 * their answer, so many files of one tree cost one walk. */
char *lg_sarif_git_toplevel(const char *file, GHashTable *cache);
/* A cache for lg_sarif_git_toplevel (g_hash_table_unref it). */
GHashTable *lg_sarif_toplevel_cache_new(void);

/* The root most of `files` (absolute paths) lie under, by their git toplevels; ties go
 * to the first file's.  NULL if none of them is in a git tree. */
char *lg_sarif_auto_root(const GPtrArray *files);

/* The URI of file relative to root (a root as above), percent-encoded, or NULL if
 * the file is not under root (or root is NULL, or file is relative). */
char *lg_sarif_relative_uri(const char *root, const char *file);

/* The file:// URI of root (ending in '/'). */
char *lg_sarif_root_uri(const char *root);

#endif
