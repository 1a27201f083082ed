/* Source files for the HTML report: the lines around an acquisition, read once per
 * file per report.
 *
 * Invariants
 *  - Only absolute paths of regular files of at most LG_HTML_SOURCE_MAX bytes are
 *    read (a relative DWARF path names a file in someone's build directory, which is
 *    not known here; a FIFO or a device would block or never end).  Opened with
 *    O_NONBLOCK, so reading never waits.
 *  - A file is read at most once per cache; a failure is cached too, with its reason.
 *  - Lines are returned as read (not escaped, not validated): the caller escapes.
 *
 * Complexity: one read of each distinct file, then O(1) per lookup.
 */
#ifndef LOCKGRAPH_HTML_SOURCE_H
#define LOCKGRAPH_HTML_SOURCE_H

#include <glib.h>

#define LG_HTML_SOURCE_MAX (16u << 20)

typedef struct lg_html_sources lg_html_sources;

lg_html_sources *lg_html_sources_new(void);
void lg_html_sources_free(lg_html_sources *s);

/* The lines of `path` (lines[0] is line 1; no line ends) and their number; FALSE with
 * *why (a short reason, owned by the cache) if the file cannot be shown. */
gboolean lg_html_source_lines(lg_html_sources *s, const char *path, char *const **lines,
                              guint *nlines, const char **why);

#endif
