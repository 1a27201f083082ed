/* Offline symbolization of call-site PCs recorded by the shim (STACK records), using
 * the module map of the process that recorded them (MODULE records).
 *
 * Invariants
 *  - A PC is looked up relative to its module: rel = pc - base, where base is the
 *    load bias the shim recorded (dl_iterate_phdr's dlpi_addr).  Each module file is
 *    therefore opened once per symbolizer, whatever address ASLR put it at in each
 *    process, and results are cached per (path, rel).
 *  - Nothing here ever prints a line number from a file that is not the one that ran:
 *    when the recorded build-id is known and differs from the file on disk, the answer
 *    is LG_SYM_BUILD_ID_MISMATCH with no frames.
 *  - debuginfod is never contacted: lookups only use the file, its .gnu_debuglink and
 *    the local /usr/lib/debug (also via .build-id), whatever DEBUGINFOD_URLS says.
 *  - Not thread-safe: one symbolizer per thread.
 */
#ifndef LOCKGRAPH_SYMBOLIZE_H
#define LOCKGRAPH_SYMBOLIZE_H

#include <glib.h>

typedef enum lg_sym_status {
    LG_SYM_OK = 0,              /* function, file and line (when the DWARF has them) */
    LG_SYM_NO_DEBUG_INFO = 1,   /* one frame: ELF symbol (+ sym_offset) only, or nothing
                                   if no symbol covers the pc; file NULL, line 0 */
    LG_SYM_MODULE_MISSING = 2,  /* no file (deleted, vdso, "[...]" pseudo-path): no frames;
                                   print module + (pc - base) */
    LG_SYM_BUILD_ID_MISMATCH = 3 /* the file on disk is not the one that ran: no frames */
} lg_sym_status;

typedef struct lg_sym_frame {
    char *function;     /* demangled name; NULL if unknown */
    char *file;         /* source file as the DWARF names it: absolute, or relative to the
                           compilation directory (distribution libraries); NULL if unknown */
    int line;           /* 1-based; 0 if unknown */
    int column;         /* 1-based; 0 if unknown */
    gboolean inlined;   /* TRUE: this frame's code was inlined into the next frame */
    guint64 sym_offset; /* pc - ELF symbol start; set on the outermost frame only */
} lg_sym_frame;

typedef struct lg_symbolizer lg_symbolizer;

lg_symbolizer *lg_symbolizer_new(void);
void lg_symbolizer_free(lg_symbolizer *s);

/* pc is an absolute address in a process where the module `path` (recorded build-id
 * bid/bid_len; bid_len 0 = unknown, no check) was mapped with load bias `base`.
 * Returns the frames at pc, innermost first: inlined callees (inlined = TRUE), then
 * the function that contains the code.  Never NULL; empty for MODULE_MISSING and
 * BUILD_ID_MISMATCH.  The array is shared with the cache: treat it as read-only and
 * release it with g_ptr_array_unref().  *status may be NULL. */
GPtrArray *lg_symbolize(lg_symbolizer *s, const char *path, guint64 base, const guint8 *bid,
                        gsize bid_len, guint64 pc, lg_sym_status *status);

/* The source-level name of the object at absolute address addr in the static data of
 * module `path` (same arguments as lg_symbolize), from its DWARF: "m[1]",
 * "bank::g_accounts[2].mu".  sizes[0..nsizes): the sizes the object may have (see
 * data_path.h).  NULL when the module has no DWARF, is not the one that ran, or the
 * address is not exactly such an object (newly allocated). */
char *lg_symbolize_data(lg_symbolizer *s, const char *path, guint64 base, const guint8 *bid,
                        gsize bid_len, guint64 addr, const guint64 *sizes, gsize nsizes);

#endif
