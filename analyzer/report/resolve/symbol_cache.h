/* Source-level names for code addresses, as the report needs them.
 *
 * The report asks one question: "what is at offset X of module M?".  This file is
 * the only place that knows how that question is answered (by the libdw symbolizer,
 * analyzer/symbolize.h, when it is built in), so the rest of the report works on
 * frames that may or may not carry names.
 *
 * Invariants
 *  - Answers are cached for the life of the process (or until lg_symbols_reset);
 *    returned pointers stay valid that long.
 *  - A module whose file is missing, or whose build-id does not match the one in the
 *    log, yields no names (a wrong name is worse than none).
 */
#ifndef LOCKGRAPH_SYMBOLS_H
#define LOCKGRAPH_SYMBOLS_H

#include <glib.h>
#include <stdint.h>

#include "model.h"

typedef struct lg_sym_inline {
    const char *function; /* NULL if unknown */
    const char *file;
    int line;
} lg_sym_inline;

typedef struct lg_sym {
    const char *function; /* demangled; NULL if unknown */
    const char *file;     /* NULL if unknown */
    int line;             /* 0 if unknown */
    GArray *inlined;      /* lg_sym_inline, innermost first; may be empty */
    uint64_t sym_offset;  /* offset from the start of the ELF symbol (data: the
                             element of an array), 0 if unknown */
} lg_sym;

/* Names for `offset` (module-relative) in m.  Never NULL; fields may be NULL. */
const lg_sym *lg_symbols_lookup(const lg_module *m, uint64_t offset);

/* The source-level name of the object at `offset` (module-relative) of m's static
 * data whose size is one of sizes[0..nsizes) (nsizes 0: any), from the module's
 * DWARF: "m[1]", "s[2].lk", "bank::g_accounts[3].mu" (symbolize.h,
 * lg_symbolize_data).  NULL when there is no exact answer.  Cached like the rest. */
const char *lg_symbols_data_name(const lg_module *m, uint64_t offset, const uint64_t *sizes,
                                 size_t nsizes);

/* Turns symbolization off (tests; --no-symbols); default on. */
void lg_symbols_set_enabled(gboolean on);

void lg_symbols_reset(void);

#endif
