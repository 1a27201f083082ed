/* HTML escaping for the HTML report: every string that comes from a program, a log or
 * a source file (function names, paths, thread names, source lines) goes through here
 * before it reaches the document.
 *
 * Invariants
 *  - The output is safe both as element text and inside a double- or single-quoted
 *    attribute value: & < > " ' become character references.
 *  - The output is valid UTF-8: bytes that are not UTF-8 and control characters other
 *    than tab, newline and carriage return become U+FFFD, so a name read from a
 *    binary can neither break the document's encoding nor smuggle markup.
 *  - NULL is written as the empty string.
 *
 * Complexity: linear in the input; no state, no locking.
 */
#ifndef LOCKGRAPH_HTML_ESCAPE_H
#define LOCKGRAPH_HTML_ESCAPE_H

#include <glib.h>
#include <stdio.h>

/* Writes s escaped to out. */
void lg_html_escape(FILE *out, const char *s);
/* Appends s escaped to buf. */
void lg_html_escape_append(GString *buf, const char *s);
/* s escaped, newly allocated (g_free). */
char *lg_html_escape_dup(const char *s);

#endif
