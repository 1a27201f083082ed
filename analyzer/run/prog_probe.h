/* What the launcher must know about PROG before running it: the ELF facts that decide
 * whether a preloaded shim can work at all (static binary, setuid/setgid) and whether
 * it needs the ASan runtime in front of it.
 *
 * Invariants
 *  - PROG is resolved the way execvp(3) will resolve it (a name with a '/' as is,
 *    else through $PATH), so the facts are about the file that will run.
 *  - Only ELF files are inspected; a script (#!) gets all-FALSE facts: its interpreter
 *    is dynamic in any sane system, and the post-run check still catches a failure.
 */
#ifndef LOCKGRAPH_PROG_PROBE_H
#define LOCKGRAPH_PROG_PROBE_H

#include <glib.h>

typedef struct lg_prog_info {
    char *path;           /* resolved path */
    gboolean is_elf;
    gboolean is_static;   /* ELF executable without PT_INTERP: ld.so never runs */
    gboolean is_setid;    /* setuid or setgid: ld.so runs in secure mode */
    char *asan_soname;    /* DT_NEEDED entry of the ASan runtime ("libasan.so.8"), or NULL */
    char **runpath;       /* DT_RPATH/DT_RUNPATH directories, $ORIGIN expanded; may be NULL */
    gboolean has_runpath; /* DT_RUNPATH present (then DT_RPATH is ignored by ld.so) */
    int elf_class;        /* ELFCLASS32/64 */
    int elf_machine;      /* EM_* */
} lg_prog_info;

/* FALSE with *err if PROG cannot be found or read. */
gboolean lg_prog_probe(const char *prog, lg_prog_info *out, GError **err);
void lg_prog_info_clear(lg_prog_info *info);

/* Absolute path of the library ld.so would load for `soname` into PROG: PROG's
 * DT_RPATH, $LD_LIBRARY_PATH, DT_RUNPATH, the ld.so cache (`ldconfig -p`), the
 * default directories; then the compiler's own copy (`gcc -print-file-name`).
 * Candidates must match PROG's ELF class and machine.  NULL if none. */
char *lg_find_library(const lg_prog_info *prog, const char *soname);

#endif
