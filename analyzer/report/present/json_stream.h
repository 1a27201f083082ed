/* A streaming JSON writer for the JSON and SARIF reports.
 *
 * Owns: writing one JSON document to a FILE as its values are given, in document
 * order, with nothing of the document kept in memory but the nesting path.  It
 * replaces a json-glib JsonBuilder tree, which for a report of one 200 000-lock cycle
 * held gigabytes of nodes (docs/performance.md, "Report time").
 *
 * Invariants
 *  - The text is byte-for-byte what json-glib's pretty generator (two-space indent,
 *    " : " after a member name, doubles with a decimal point) writes for the same sequence
 *    of JsonBuilder calls (tests/report/test_json_stream.c checks it against json-glib
 *    itself), except where json-glib writes what is not JSON: a double with an
 *    exponent ("1e+21.0"; here "1e+21") and the byte 0x1f in a string (raw; here
 *    "\u001f").  The reports write neither today.
 *  - Calls must nest correctly (the caller's structure, as with JsonBuilder): a
 *    member name only inside an object, directly before its value.
 *
 * Complexity: O(length of the output) time; memory O(nesting depth).
 */
#ifndef LOCKGRAPH_JSON_STREAM_H
#define LOCKGRAPH_JSON_STREAM_H

#include <glib.h>
#include <stdint.h>
#include <stdio.h>

typedef struct lg_jstream lg_jstream;

lg_jstream *lg_js_new(FILE *out);
/* Ends the document with a newline and frees js (the FILE stays open). */
void lg_js_finish(lg_jstream *js);

void lg_js_begin_object(lg_jstream *js);
void lg_js_end_object(lg_jstream *js);
void lg_js_begin_array(lg_jstream *js);
void lg_js_end_array(lg_jstream *js);
void lg_js_member(lg_jstream *js, const char *name);
void lg_js_string(lg_jstream *js, const char *v); /* NULL writes null */
void lg_js_int(lg_jstream *js, int64_t v);
void lg_js_double(lg_jstream *js, double v);
void lg_js_bool(lg_jstream *js, gboolean v);
void lg_js_null(lg_jstream *js);

#endif
