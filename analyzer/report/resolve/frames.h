/* Stacks as the report shows them: each PC placed in its module (at the time of the
 * record that cites the stack) and named through symbols.h.
 *
 * Invariants: a frame whose PC lies in no known module has module NULL and offset
 * equal to the PC; frames never own what they point to (model and symbol cache do).
 */
#ifndef LOCKGRAPH_FRAMES_H
#define LOCKGRAPH_FRAMES_H

#include <glib.h>
#include <stdint.h>

#include "model.h"
#include "symbol_cache.h"

typedef struct lg_frame {
    uint64_t pc;
    const lg_module *module; /* NULL if unknown */
    uint64_t offset;         /* pc - module base */
    const lg_sym *sym;       /* never NULL */
} lg_frame;

/* Frames of stack_id (0 = none: empty array) as of time ts.  Free with g_array_free. */
GArray *lg_frames_resolve(const lg_process *p, uint32_t stack_id, uint64_t ts);

/* Stable identity of a frame for fingerprints: "function@file-basename" when
 * symbolized (then "/function@file" for each function it was inlined into; a name
 * without a file drops "@file"), else "module-basename+0xoffset".  No addresses,
 * no line numbers (they move with unrelated edits). */
char *lg_frame_signature(const lg_frame *f);

/* Human form: "function (file:line) [module+0xoff]" with what is known. */
char *lg_frame_describe(const lg_frame *f);

/* Index of the first frame in user code: symbolized with a source file that is not
 * a system header (/usr/include, /usr/lib), in a module that is not a system library
 * (/lib, /usr/lib).  Reports point there (labels, SARIF locations) because "inside
 * std::mutex::lock" is not where a user fixes a lock order.  0 if there is none. */
guint lg_frames_first_user(const GArray *frames);

/* Module basename or "?" (g_free the result). */
char *lg_frame_module_name(const lg_frame *f);

#endif
