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

/* lg_frame_signature without the levels that are system headers (an inlined
 * std::mutex::lock): what the program's own source says, whichever inlining the
 * compiler chose.  Falls back to lg_frame_signature when nothing would be left. */
char *lg_frame_user_signature(const lg_frame *f);

/* Human form: "function (file:line) [module+0xoff]" with what is known. */
char *lg_frame_describe(const lg_frame *f);

/* Where the user's code is, for reports.  A frame holds one or more source levels:
 * the innermost function at the PC, then each function it was inlined into (at the
 * call site).  A level is the user's when its source file is known and is not a
 * system or runtime header (/usr/include, /usr/lib, /lib: libstdc++, libc, gcc's
 * headers) and the frame's module is not a system library or the shim
 * (lg_frame_is_system).  The user site is the innermost such level, frames and
 * inlined levels counted one by one: at -O2 `std::mutex::lock` is inlined into
 * `bank::Account::transfer_to`, and the site is the line of transfer_to that locks,
 * not the caller of transfer_to.  Reports point there (labels, SARIF locations, the
 * text headline) because "inside std::mutex::lock" is not where a user fixes a lock
 * order. */
typedef struct lg_user_site {
    int frame;            /* index into the frames; -1: no user level anywhere */
    int level;            /* 0: the frame's innermost level; k: its inlined[k - 1] */
    const char *function; /* of that level; may be NULL */
    const char *file;     /* never NULL when frame >= 0 */
    int line;             /* 0 if unknown */
} lg_user_site;

/* The user site of frames (see above); frame = -1 if no level qualifies. */
lg_user_site lg_frames_user_site(const GArray *frames);

/* The source line a report shows for a stack (the SARIF location, the HTML report's
 * source excerpt): the user site when it has a line; else the first frame, from the
 * user site's frame outwards (from the innermost frame when there is no user site),
 * whose innermost level has a file and a line; else the first such frame inside it;
 * frame = -1 when no frame has a line.  One rule for every format, so they point at
 * the same line.  O(frames). */
lg_user_site lg_frames_source_site(const GArray *frames);

/* Index of the frame that holds the user site; 0 if there is none. */
guint lg_frames_first_user(const GArray *frames);

/* A frame of a system library (libc, libstdc++, libgcc, ld.so, libpthread: a module
 * under /lib, /usr/lib, /lib64, /usr/lib64, or named like one) or of the lockgraph
 * shim, or of no known module.  Such frames never enter a fingerprint: their names
 * depend on the debug packages installed and their offsets on the distribution. */
gboolean lg_frame_is_system(const lg_frame *f);

/* A frame of the C runtime below a thread's entry point (start_thread, clone, clone3,
 * __libc_start_main, __libc_start_call_main, _start), recognised by its function
 * name.  The text and HTML reports fold these unless verbose; JSON keeps them. */
gboolean lg_frame_is_runtime_entry(const lg_frame *f);

/* The number of frames a report shows by default: the stack up to (not including)
 * the first runtime-entry frame that is followed only by runtime-entry or system
 * frames.  Equal to frames->len when nothing can be folded. */
guint lg_frames_shown(const GArray *frames);

/* Is every level of f a system header (symbolized, with files, none the user's)?
 * Such frames (an out-of-line std::mutex::lock at -O0) stay out of fingerprints
 * too: they say which compiler built the program, not where the bug is. */
gboolean lg_frame_is_header_only(const lg_frame *f);

/* Module basename or "?" (g_free the result). */
char *lg_frame_module_name(const lg_frame *f);

#endif
