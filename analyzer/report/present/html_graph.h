/* Pictures for the HTML report: small graphs drawn as inline SVG in process, through
 * Graphviz's libraries (libcgraph builds the graph, libgvc lays it out with "dot" and
 * renders "svg"), never by running a program.
 *
 * Invariants
 *  - Labels are plain text (a newline starts a new line): backslashes and '&' are
 *    neutralised before Graphviz sees them (Graphviz reads "\N", "\l" ... and
 *    character references in labels), bytes that are not UTF-8 are replaced, and
 *    Graphviz escapes the rest when it writes SVG, so no label can inject markup.
 *  - Every id in the SVG starts with the graph's id, so several pictures can share one
 *    HTML document without duplicate ids.
 *  - Graphviz's diagnostics never reach stderr while a picture is made: they are
 *    collected and returned as the reason when no picture could be made.
 *  - One Graphviz context per process, made at the first picture and kept until exit:
 *    Graphviz 2.42's text layout keeps a pointer into a context's font table across
 *    contexts, so freeing a context and making another reads freed memory.  Graphviz
 *    keeps global state anyway: pictures are made by one thread at a time.
 *
 * Complexity: that of Graphviz's dot layout (fine for the few nodes of a cycle).
 */
#ifndef LOCKGRAPH_HTML_GRAPH_H
#define LOCKGRAPH_HTML_GRAPH_H

#include <glib.h>

typedef struct lg_html_graph lg_html_graph;

/* A new directed graph; id: letters, digits and "_" only (Graphviz writes "-" as "&#45;"). */
lg_html_graph *lg_html_graph_new(const char *id);
/* Nodes are named by `name` (letters and digits, unique in the graph). */
void lg_html_graph_lock(lg_html_graph *g, const char *name, const char *label);
void lg_html_graph_thread(lg_html_graph *g, const char *name, const char *label);
/* An edge; dashed: a cycle the rules filtered (drawn grey). */
void lg_html_graph_edge(lg_html_graph *g, const char *from, const char *to, const char *label,
                        gboolean dashed);

/* Lays g out, renders it and frees it.  Returns the <svg> element (g_free), or NULL
 * and sets *why (g_free) to what Graphviz said. */
char *lg_html_graph_svg(lg_html_graph *g, char **why);

#endif
